package io.finitegrad.autodiff.limits;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;

/**
 * The result of a {@link BreakingPoints#search}: either the first input, going from {@code from}
 * towards {@code to}, at which the graph's value or its gradient is non-finite, with the guard's
 * report of why, or "none in [from, to]". An immutable value.
 */
public final class BreakingPoint {
    private final double from;
    private final double to;
    private final double at;
    private final double lastFinite;
    private final boolean inGradient;
    private final NanReport report;

    private BreakingPoint(double from, double to, double at, double lastFinite, boolean inGradient, NanReport report) {
        this.from = from;
        this.to = to;
        this.at = at;
        this.lastFinite = lastFinite;
        this.inGradient = inGradient;
        this.report = report;
    }

    static BreakingPoint none(double from, double to) {
        return new BreakingPoint(from, to, Double.NaN, Double.NaN, false, null);
    }

    static BreakingPoint at(double from, double to, double at, double lastFinite, boolean inGradient, NanReport report) {
        return new BreakingPoint(from, to, at, lastFinite, inGradient, report);
    }

    /** Where the search started. */
    public double from() { return from; }

    /** Where the search ended. */
    public double to() { return to; }

    /** True if the graph broke somewhere in the interval. */
    public boolean found() { return !Double.isNaN(at); }

    /** The first input at which it is broken; NaN if {@link #found()} is false. */
    public double at() { return at; }

    /**
     * The neighbouring double on the {@code from} side, where it was still finite; NaN if none was
     * found or it was broken at {@code from} already.
     */
    public double lastFinite() { return lastFinite; }

    /** True if the value stayed finite there and only the gradient did not. */
    public boolean inGradient() { return inGradient; }

    /** The guard's report of the entry point at {@link #at()}; null if none was found. */
    public NanReport report() { return report; }

    /** The cause of the entry point, or null if none was found. */
    public Cause cause() { return report == null ? null : report.cause(); }

    /** Whether the entry point was in the forward or the backward pass, or null if none was found. */
    public Phase phase() { return report == null ? null : report.phase(); }

    /** The entry node's label, or null if none was found. */
    public String node() { return report == null ? null : report.label(); }

    /** A short description: {@code "none in [0.0, 1000.0]"} or the point, what broke, the node and the cause. */
    @Override
    public String toString() {
        if (!found()) return "none in [" + Math.min(from, to) + ", " + Math.max(from, to) + "]";
        String what = inGradient ? "gradient" : "value";
        if (report == null) return "x = " + at + ": " + what + " non-finite";
        return "x = " + at + ": " + what + " non-finite; entry " + report.op() + " '" + report.label() + "' ("
                + report.phase().toString().toLowerCase(java.util.Locale.ROOT) + ", " + report.cause() + ")";
    }
}
