package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import java.util.Locale;
import java.util.Objects;

/**
 * What a scenario promises: for a lesson about a NaN, the entry point its broken run must report
 * (phase, op, cause), and optionally the backward step that entry leads to (a
 * {@link NanReport#consequences() consequence}: in WARN mode an infinite forward value hidden by a
 * mask returns in backward as NaN, reported with the forward entry); for a lesson whose broken run stays finite (saturation, say), that no
 * non-finite value appears; and in both cases a loss the fixed run must get below. Immutable.
 *
 * @throws IllegalArgumentException from the factories for a null phase, op or cause, or a fixed
 *     loss bound that is not a positive finite number
 */
public final class Expected {
    private final Phase phase;
    private final String op;
    private final Cause cause;
    private final double fixedLossBelow;
    private final Cause then;

    private Expected(Phase phase, String op, Cause cause, double fixedLossBelow, Cause then) {
        if (!(fixedLossBelow > 0) || Double.isInfinite(fixedLossBelow)) {
            throw new IllegalArgumentException("Expected: the fixed run's loss bound must be positive and finite, got "
                    + fixedLossBelow);
        }
        this.phase = phase;
        this.op = op;
        this.cause = cause;
        this.fixedLossBelow = fixedLossBelow;
        this.then = then;
    }

    /** The broken run reports a NaN/Inf entering at {@code op} (a {@link NanReport#op()} name) in {@code phase}, for {@code cause}. */
    public static Expected entry(Phase phase, String op, Cause cause, double fixedLossBelow) {
        if (phase == null || op == null || cause == null) {
            throw new IllegalArgumentException("Expected.entry: phase, op and cause are required, got "
                    + phase + ", " + op + ", " + cause);
        }
        return new Expected(phase, op, cause, fixedLossBelow, null);
    }

    /** The broken run stays finite (its lesson is not a NaN); the fixed run gets below {@code fixedLossBelow}. */
    public static Expected finite(double fixedLossBelow) {
        return new Expected(null, null, null, fixedLossBelow, null);
    }

    /**
     * The same promise, and the entry's report also lists a backward step through the same op whose
     * cause is {@code backwardCause} (e.g. ZERO_TIMES_INF at the gradient of a masked log).
     *
     * @throws IllegalArgumentException if {@code backwardCause} is null or this promise expects no NaN/Inf
     */
    public Expected then(Cause backwardCause) {
        if (backwardCause == null || !expectsNaN()) {
            throw new IllegalArgumentException("Expected.then: needs an entry point and a cause, got " + this
                    + " then " + backwardCause);
        }
        return new Expected(phase, op, cause, fixedLossBelow, backwardCause);
    }

    /** True if the broken run's lesson is a NaN/Inf entering somewhere. */
    public boolean expectsNaN() {
        return cause != null;
    }

    public Phase phase() { return phase; }
    public String op() { return op; }
    public Cause cause() { return cause; }
    /** The cause of the backward step the entry leads to, or null if the lesson names none. */
    public Cause thenCause() { return then; }
    /** The loss the fixed run must end below. */
    public double fixedLossBelow() { return fixedLossBelow; }

    /** The broken run's report this expectation names, or null if none matches. */
    public NanReport matchIn(Outcome broken) {
        if (!expectsNaN()) return null;
        for (NanReport r : broken.reports()) {
            if (r.phase() == phase && r.op().equals(op) && r.cause() == cause && leadsToThen(r)) return r;
        }
        return null;
    }

    private boolean leadsToThen(NanReport r) {
        if (then == null) return true;
        // a consequence reads "backward through OP 'name', gradient to operand i 'x': CAUSE: ..."
        for (String c : r.consequences()) {
            if (c.startsWith("backward through " + op + " ") && c.contains(": " + then.name() + ":")) return true;
        }
        return false;
    }

    /** True if the broken run behaved as the lesson says. */
    public boolean metByBroken(Outcome broken) {
        return expectsNaN() ? matchIn(broken) != null : !broken.nonFinite();
    }

    /** True if the fixed run stayed finite and ended below the promised loss. */
    public boolean metByFixed(Outcome fixed) {
        return !fixed.nonFinite() && fixed.loss() < fixedLossBelow;
    }

    /**
     * The promise in words, e.g. {@code FORWARD at log: LOG_OF_ZERO, then BACKWARD: ZERO_TIMES_INF; fixed loss < 0.5}.
     */
    @Override
    public String toString() {
        String broken = expectsNaN() ? phase + " at " + op + ": " + cause : "no NaN/Inf";
        if (then != null) broken += ", then BACKWARD: " + then;
        return broken + String.format(Locale.ROOT, "; fixed loss < %.4g", fixedLossBelow);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Expected e && phase == e.phase && Objects.equals(op, e.op) && cause == e.cause
                && Double.compare(fixedLossBelow, e.fixedLossBelow) == 0 && then == e.then;
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, op, cause, fixedLossBelow, then);
    }
}
