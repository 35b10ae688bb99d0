package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Cause;
import java.util.EnumSet;
import java.util.Set;

/**
 * A remedy stated by the code that builds a sub-graph, for the entry points made inside its name
 * scope ({@link Names#scope(String, Hint)}): that code knows what the user should change, which an
 * op cannot know. {@code LayerNorm} says "construct LayerNorm with epsilon > 0", the naive softmax
 * says "use the max-shifted softmax". A hint may be limited to some {@link Cause}s, so a LayerNorm
 * hint about a zero variance does not answer an overflow; the innermost applicable hint of the
 * entry node's scopes wins, and without one the op's own remedy stands.
 *
 * <p>An immutable value: make it once (a constant, or a field set in a constructor), not per call.
 */
public final class Hint {
    private final String remedy;
    /** The causes it answers; null for every cause. */
    private final Set<Cause> causes;

    private Hint(String remedy, Set<Cause> causes) {
        this.remedy = remedy;
        this.causes = causes;
    }

    /**
     * A hint for every cause.
     *
     * @throws IllegalArgumentException if the remedy is null or blank
     */
    public static Hint of(String remedy) {
        return new Hint(checked(remedy), null);
    }

    /**
     * A hint for the given causes only.
     *
     * @throws IllegalArgumentException if the remedy is null or blank or a cause is null
     */
    public static Hint of(String remedy, Cause first, Cause... more) {
        if (first == null) throw new IllegalArgumentException("Hint.of: cause is null");
        EnumSet<Cause> set = EnumSet.of(first);
        for (Cause c : more) {
            if (c == null) throw new IllegalArgumentException("Hint.of: cause is null");
            set.add(c);
        }
        return new Hint(checked(remedy), Set.copyOf(set));
    }

    private static String checked(String remedy) {
        if (remedy == null || remedy.isBlank()) throw new IllegalArgumentException("Hint.of: give a remedy");
        return remedy;
    }

    /** The remedy text. */
    public String remedy() {
        return remedy;
    }

    /** True if this hint answers {@code cause}. */
    public boolean appliesTo(Cause cause) {
        return causes == null || causes.contains(cause);
    }

    @Override
    public String toString() {
        return "Hint[" + remedy + (causes == null ? "" : " for " + causes) + "]";
    }

    /** The hints of the open scopes, innermost first: what a node keeps a reference to. */
    static final class Chain {
        final Hint hint;
        final Chain outer;

        Chain(Hint hint, Chain outer) {
            this.hint = hint;
            this.outer = outer;
        }

        /** The innermost hint answering {@code cause}, or {@code fallback}. */
        static String remedy(Chain chain, Cause cause, String fallback) {
            for (Chain c = chain; c != null; c = c.outer) {
                if (c.hint.appliesTo(cause)) return c.hint.remedy;
            }
            return fallback;
        }
    }
}
