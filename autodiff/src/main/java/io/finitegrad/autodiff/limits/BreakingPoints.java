package io.finitegrad.autodiff.limits;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GuardScope;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Finds where a graph of one scalar parameter stops being finite. The graph gets {@code x} as a 1x1
 * parameter and may return any shape; it is <em>broken</em> at {@code x} when an element of its
 * value, or of the gradient of the sum of its value with respect to {@code x}, is NaN or infinite.
 * Non-finite values hidden inside the graph (a masked branch) count only once they reach the value
 * or the gradient.
 *
 * <pre>{@code
 * BreakingPoint p = BreakingPoints.search(x -> NaiveOps.softmax(Var.concatCols(x, Var.constant(0))), 0, 1000);
 * p.at();     // 709.782712893384: exp(x) overflows (EXP_OVERFLOW at naiveSoftmax/exp)
 * BreakingPoints.search(x -> Var.concatCols(x, Var.constant(0)).softmax(), 0, 1000).found();   // false
 * BreakingPoints.search(x -> NaiveOps.softmax(Var.concatCols(x, Var.constant(0))), 0, 1000, Precision.FLOAT16).at();
 *             // 11.09375, printed 11.09: the first float16 value whose exp is past 65,504
 * }</pre>
 *
 * <p>The search walks from {@code from} towards {@code to} ({@code from > to} searches downwards)
 * over {@value #GRID} equal steps, then bisects the first broken step down to two neighbouring
 * values, so the point found is exact whenever the graph breaks at most once within a step. The
 * graph runs with the guard in WARN mode, which supplies the report of why.
 *
 * <p><b>In a format.</b> The search runs in the thread's format ({@link Precision#current()},
 * float64 unless a {@link Precision#emulate} scope is open), or in the one given to
 * {@link #search(UnaryOperator, double, double, Precision)}. It then probes only values of that
 * format (the graph could tell no others apart: its input is rounded on entry), so the point and
 * its finite neighbour are neighbouring values of the format, and {@link BreakingPoint} prints them
 * with the fewest digits that read back as them ({@link #shortest}: 11.09 for float16's 11.09375).
 * The interval's ends are rounded to the format; an end beyond its largest finite value is refused.
 */
@SuppressWarnings("try") // the guard and emulation scopes are opened for their effect
public final class BreakingPoints {
    /** Equal steps of the coarse scan before bisection. */
    public static final int GRID = 256;

    private BreakingPoints() {
    }

    /**
     * The first {@code x} from {@code from} towards {@code to} where {@code graph(x)} or its
     * gradient is non-finite, computed in this thread's format.
     *
     * @throws IllegalArgumentException if {@code graph} is null, or {@code from} or {@code to} is
     *     not finite in the format
     */
    public static BreakingPoint search(UnaryOperator<Var> graph, double from, double to) {
        Precision p = Precision.current();
        if (!Double.isFinite(from) || !Double.isFinite(to)) {
            throw new IllegalArgumentException("BreakingPoints.search: the interval must be finite, got [" + from + ", " + to + "]");
        }
        if (graph == null) throw new IllegalArgumentException("BreakingPoints.search: graph is null");
        double a = inFormat("from", from, p), b = inFormat("to", to, p);
        Probe first = probe(graph, a);
        if (first.broken()) return BreakingPoint.at(a, b, a, Double.NaN, first.inGradient, first.report, p);
        double finite = a;
        for (int k = 1; k <= GRID; k++) {
            double t = (double) k / GRID;
            double x = k == GRID ? b : p.round(a * (1 - t) + b * t); // b - a overflows for [-MAX, MAX]
            if (x == finite) continue; // a step narrower than the format's spacing
            Probe pr = probe(graph, x);
            if (pr.broken()) return bisect(graph, a, b, finite, x, pr, p);
            finite = x;
        }
        return BreakingPoint.none(a, b, p);
    }

    /**
     * {@link #search(UnaryOperator, double, double)} computed in {@code precision}: the graph is
     * built and differentiated inside {@code Precision.emulate(precision)}, and the thread's own
     * format is back afterwards.
     *
     * @throws IllegalArgumentException if {@code precision} or {@code graph} is null, or
     *     {@code from} or {@code to} is not finite in {@code precision}
     */
    public static BreakingPoint search(UnaryOperator<Var> graph, double from, double to, Precision precision) {
        if (precision == null) throw new IllegalArgumentException("BreakingPoints.search: precision is null");
        try (Emulation e = Precision.emulate(precision)) {
            return search(graph, from, to);
        }
    }

    private static double inFormat(String end, double v, Precision p) {
        double r = p.round(v);
        if (!Double.isFinite(r)) {
            throw new IllegalArgumentException("BreakingPoints.search: " + end + " = " + v + " is beyond " + p.label()
                    + "'s largest finite value " + p.maxFinite() + " (the search runs in " + p.label()
                    + "): search within [-" + p.maxFinite() + ", " + p.maxFinite() + "]");
        }
        return r;
    }

    /** Narrows [finite, broken] to neighbouring values of the format, walking them in their numeric order. */
    private static BreakingPoint bisect(UnaryOperator<Var> graph, double from, double to, double finite, double broken,
            Probe atBroken, Precision p) {
        long a = ordinal(finite, p), b = ordinal(broken, p);
        Probe pb = atBroken;
        while (a != b && a + 1 != b && b + 1 != a) {
            long mid = (a >> 1) + (b >> 1) + (a & b & 1); // floor((a + b) / 2) without overflow
            Probe pr = probe(graph, fromOrdinal(mid, p));
            if (pr.broken()) {
                b = mid;
                pb = pr;
            } else {
                a = mid;
            }
        }
        return BreakingPoint.at(from, to, fromOrdinal(b, p), fromOrdinal(a, p), pb.inGradient, pb.report, p);
    }

    /**
     * A long that orders like the doubles it encodes (-0.0 just below 0.0), so midpoints are counted
     * in ulps: neighbouring doubles have neighbouring ordinals. NaN has none: give a non-NaN.
     */
    public static long ordinal(double x) {
        long bits = Double.doubleToLongBits(x);
        return bits >= 0 ? bits : bits ^ Long.MAX_VALUE;
    }

    /** The double whose {@link #ordinal} is {@code o}. */
    public static double fromOrdinal(long o) {
        return Double.longBitsToDouble(o >= 0 ? o : o ^ Long.MAX_VALUE);
    }

    /**
     * {@link #ordinal(double)} counted in the values of {@code p}: neighbouring values of the format
     * have neighbouring ordinals (0.0 is 0, its smallest subnormal 1, -0.0 is -1). Give a finite
     * value of the format ({@code p.round(x) == x}); for float64 it is {@link #ordinal(double)}.
     *
     * @throws IllegalArgumentException if {@code x} is not a finite value of {@code p}
     */
    public static long ordinal(double x, Precision p) {
        if (p == Precision.FLOAT64 && !Double.isNaN(x)) return ordinal(x);
        if (!Double.isFinite(x) || p.round(x) != x) {
            throw new IllegalArgumentException("BreakingPoints.ordinal: " + x + " is not a finite " + p.label() + " value");
        }
        double a = Math.abs(x);
        long magnitude;
        if (a < p.minNormal()) {
            magnitude = (long) (a / p.minSubnormal()); // an integer count of the smallest step, exactly
        } else {
            int fb = p.fractionBits();
            long fraction = (Double.doubleToRawLongBits(a) & ((1L << 52) - 1)) >>> (52 - fb);
            magnitude = ((long) (Math.getExponent(a) - p.minExponent() + 1) << fb) | fraction;
        }
        return Double.doubleToRawLongBits(x) < 0 ? -magnitude - 1 : magnitude;
    }

    /**
     * The value of {@code p} whose {@link #ordinal(double, Precision)} is {@code o}; beyond the
     * largest finite value, infinity.
     */
    public static double fromOrdinal(long o, Precision p) {
        if (p == Precision.FLOAT64) return fromOrdinal(o);
        boolean negative = o < 0;
        long magnitude = negative ? -(o + 1) : o;
        int fb = p.fractionBits();
        double a;
        if (magnitude < 1L << fb) {
            a = magnitude * p.minSubnormal();
        } else {
            int e = (int) (magnitude >>> fb) - 1 + p.minExponent();
            double fraction = (double) (magnitude & ((1L << fb) - 1)) / (1L << fb);
            a = e > p.maxExponent() ? Double.POSITIVE_INFINITY : Math.scalb(1 + fraction, e);
        }
        return negative ? -a : a;
    }

    /**
     * {@code x} as a value of {@code p} with the fewest significant digits that read back as it
     * ({@code p.round(Double.parseDouble(s)) == x}), in {@link Double#toString} notation, as numpy
     * prints a float16: 11.09375 is {@code 11.09} in float16, 65,504 is {@code 65500.0}. For float64
     * it is {@code Double.toString(x)}; NaN, infinities and zeros print as Double.toString does.
     */
    public static String shortest(double x, Precision p) {
        if (p == Precision.FLOAT64 || !Double.isFinite(x) || x == 0) return Double.toString(x);
        BigDecimal exact = new BigDecimal(x);
        for (int digits = 1; digits < 17; digits++) {
            double d = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN)).doubleValue();
            if (p.round(d) == x) return Double.toString(d);
        }
        return Double.toString(x);
    }

    /** Whether the graph is broken at one point, and the guard's report of why. */
    private record Probe(boolean valueBroken, boolean inGradient, NanReport report) {
        boolean broken() {
            return valueBroken || inGradient;
        }
    }

    private static Probe probe(UnaryOperator<Var> graph, double x) {
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN);
             GuardScope noSites = FiniteGuard.captureSites(false)) {
            Var xv = Var.param("x", Tensor.scalar(x));
            Var y = graph.apply(xv);
            if (!y.value().isFinite()) return new Probe(true, false, first(warn.reports()));
            if (!y.requiresGrad()) return new Probe(false, false, null);
            y.backward(Tensor.ones(y.rows(), y.cols()));
            if (xv.grad().isFinite()) return new Probe(false, false, null);
            NanReport r = xv.gradientReport();
            return new Probe(false, true, r != null ? r : first(warn.reports()));
        }
    }

    private static NanReport first(List<NanReport> reports) {
        return reports.isEmpty() ? null : reports.get(0);
    }
}
