package io.finitegrad.autodiff.limits;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Precision;

/**
 * The result of a {@link BreakingPoints#search}: either the first input, going from {@code from}
 * towards {@code to}, at which the graph's value or its gradient is non-finite, with the guard's
 * report of why, or "none in [from, to]". An immutable value. The points are values of the
 * {@link #precision()} the search ran in, and print as that format's values
 * ({@link BreakingPoints#shortest}).
 */
public final class BreakingPoint {
    private final double from;
    private final double to;
    private final double at;
    private final double lastFinite;
    private final boolean inGradient;
    private final NanReport report;
    private final Precision precision;

    private BreakingPoint(double from, double to, double at, double lastFinite, boolean inGradient, NanReport report,
            Precision precision) {
        this.from = from;
        this.to = to;
        this.at = at;
        this.lastFinite = lastFinite;
        this.inGradient = inGradient;
        this.report = report;
        this.precision = precision;
    }

    static BreakingPoint none(double from, double to, Precision precision) {
        return new BreakingPoint(from, to, Double.NaN, Double.NaN, false, null, precision);
    }

    static BreakingPoint at(double from, double to, double at, double lastFinite, boolean inGradient, NanReport report,
            Precision precision) {
        return new BreakingPoint(from, to, at, lastFinite, inGradient, report, precision);
    }

    /** The format the search computed in; {@link #at()} and {@link #lastFinite()} are its values. */
    public Precision precision() { return precision; }

    /** Where the search started. */
    public double from() { return from; }

    /** Where the search ended. */
    public double to() { return to; }

    /** True if the graph broke somewhere in the interval. */
    public boolean found() { return !Double.isNaN(at); }

    /** The first input at which it is broken; NaN if {@link #found()} is false. */
    public double at() { return at; }

    /**
     * The neighbouring value of the format (a double, in float64) on the {@code from} side, where
     * it was still finite; NaN if none was
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

    /**
     * A short description: {@code "none in [0.0, 1000.0]"} or the point, what broke, the node and
     * the cause; values print as the format's ({@code "x = 11.09 in float16: value non-finite; ..."}),
     * and a format other than float64 is named.
     */
    @Override
    public String toString() {
        String in = precision.isNative() ? "" : " in " + precision.label();
        if (!found()) return "none in [" + value(Math.min(from, to)) + ", " + value(Math.max(from, to)) + "]" + in;
        String what = inGradient ? "gradient" : "value";
        if (report == null) return "x = " + value(at) + in + ": " + what + " non-finite";
        return "x = " + value(at) + in + ": " + what + " non-finite; entry " + report.op() + " '" + report.label() + "' ("
                + report.phase().toString().toLowerCase(java.util.Locale.ROOT) + ", " + report.cause() + ")";
    }

    private String value(double x) {
        return BreakingPoints.shortest(x, precision);
    }
}
