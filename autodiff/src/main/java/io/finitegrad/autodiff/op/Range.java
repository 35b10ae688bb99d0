package io.finitegrad.autodiff.op;

import io.finitegrad.core.Interval;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What an op's range transfer answers: a box holding every value its output (or a gradient to an
 * operand) can take for operands in the given boxes, and the {@link Cause}s by which that result
 * may be non-finite although the operands are finite, named as the op's {@link Op#diagnose}
 * would name them. A result that admits no non-finite value has no causes. {@link #unknown()} is
 * the answer of an op without a transfer: any value, NaN included, and the analysis names the op
 * as the one it gave up at.
 *
 * @param value the box, or null for {@link #unknown()}
 * @param causes the causes admitted (an unmodifiable copy)
 */
public record Range(Interval value, Set<Cause> causes) {
    private static final Range UNKNOWN = new Range(null, EnumSet.of(Cause.UNDEFINED));

    public Range {
        causes = causes == null || causes.isEmpty() ? Collections.emptySet()
                : Collections.unmodifiableSet(EnumSet.copyOf(causes));
    }

    /** A box and the causes by which it may hold a non-finite value (none: it admits none). */
    public static Range of(Interval value, Cause... causes) {
        if (value == null) throw new IllegalArgumentException("Range.of: value is null (use Range.unknown())");
        EnumSet<Cause> s = EnumSet.noneOf(Cause.class);
        Collections.addAll(s, causes);
        return new Range(value, s);
    }

    /** A box and a set of causes. */
    public static Range of(Interval value, Set<Cause> causes) {
        if (value == null) throw new IllegalArgumentException("Range.of: value is null (use Range.unknown())");
        return new Range(value, causes);
    }

    /** What an op without a range transfer yields: anything, NaN included. */
    public static Range unknown() {
        return UNKNOWN;
    }

    /** Whether the op gave a transfer (false for {@link #unknown()}). */
    public boolean known() {
        return value != null;
    }
}
