package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import java.util.Locale;
import java.util.Objects;

/**
 * What a scenario promises: for a lesson about a NaN, the entry point its broken run must report
 * (phase, op, cause); for a lesson whose broken run stays finite (saturation, say), that no
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

    private Expected(Phase phase, String op, Cause cause, double fixedLossBelow) {
        if (!(fixedLossBelow > 0) || Double.isInfinite(fixedLossBelow)) {
            throw new IllegalArgumentException("Expected: the fixed run's loss bound must be positive and finite, got "
                    + fixedLossBelow);
        }
        this.phase = phase;
        this.op = op;
        this.cause = cause;
        this.fixedLossBelow = fixedLossBelow;
    }

    /** The broken run reports a NaN/Inf entering at {@code op} (a {@link NanReport#op()} name) in {@code phase}, for {@code cause}. */
    public static Expected entry(Phase phase, String op, Cause cause, double fixedLossBelow) {
        if (phase == null || op == null || cause == null) {
            throw new IllegalArgumentException("Expected.entry: phase, op and cause are required, got "
                    + phase + ", " + op + ", " + cause);
        }
        return new Expected(phase, op, cause, fixedLossBelow);
    }

    /** The broken run stays finite (its lesson is not a NaN); the fixed run gets below {@code fixedLossBelow}. */
    public static Expected finite(double fixedLossBelow) {
        return new Expected(null, null, null, fixedLossBelow);
    }

    /** True if the broken run's lesson is a NaN/Inf entering somewhere. */
    public boolean expectsNaN() {
        return cause != null;
    }

    public Phase phase() { return phase; }
    public String op() { return op; }
    public Cause cause() { return cause; }
    /** The loss the fixed run must end below. */
    public double fixedLossBelow() { return fixedLossBelow; }

    /** The broken run's report this expectation names, or null if none matches. */
    public NanReport matchIn(Outcome broken) {
        if (!expectsNaN()) return null;
        for (NanReport r : broken.reports()) {
            if (r.phase() == phase && r.op().equals(op) && r.cause() == cause) return r;
        }
        return null;
    }

    /** True if the broken run behaved as the lesson says. */
    public boolean metByBroken(Outcome broken) {
        return expectsNaN() ? matchIn(broken) != null : !broken.nonFinite();
    }

    /** True if the fixed run stayed finite and ended below the promised loss. */
    public boolean metByFixed(Outcome fixed) {
        return !fixed.nonFinite() && fixed.loss() < fixedLossBelow;
    }

    /** The promise in words, e.g. {@code BACKWARD at log: ZERO_TIMES_INF; fixed loss < 0.5}. */
    @Override
    public String toString() {
        String broken = expectsNaN() ? phase + " at " + op + ": " + cause : "no NaN/Inf";
        return broken + String.format(Locale.ROOT, "; fixed loss < %.4g", fixedLossBelow);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Expected e && phase == e.phase && Objects.equals(op, e.op) && cause == e.cause
                && Double.compare(fixedLossBelow, e.fixedLossBelow) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, op, cause, fixedLossBelow);
    }
}
