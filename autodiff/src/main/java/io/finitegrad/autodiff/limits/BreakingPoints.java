package io.finitegrad.autodiff.limits;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GuardScope;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
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
 * }</pre>
 *
 * <p>The search walks from {@code from} towards {@code to} ({@code from > to} searches downwards)
 * over {@value #GRID} equal steps, then bisects the first broken step down to two neighbouring
 * doubles, so the point found is exact whenever the graph breaks at most once within a step. The
 * graph runs with the guard in WARN mode, which supplies the report of why.
 *
 * @throws IllegalArgumentException if {@code from} or {@code to} is not finite
 */
@SuppressWarnings("try") // the guard scopes are opened for their effect
public final class BreakingPoints {
    /** Equal steps of the coarse scan before bisection. */
    public static final int GRID = 256;

    private BreakingPoints() {
    }

    /** The first {@code x} from {@code from} towards {@code to} where {@code graph(x)} or its gradient is non-finite. */
    public static BreakingPoint search(UnaryOperator<Var> graph, double from, double to) {
        if (!Double.isFinite(from) || !Double.isFinite(to)) {
            throw new IllegalArgumentException("BreakingPoints.search: the interval must be finite, got [" + from + ", " + to + "]");
        }
        if (graph == null) throw new IllegalArgumentException("BreakingPoints.search: graph is null");
        Probe first = probe(graph, from);
        if (first.broken()) return BreakingPoint.at(from, to, from, Double.NaN, first.inGradient, first.report);
        double finite = from;
        for (int k = 1; k <= GRID; k++) {
            double t = (double) k / GRID;
            double x = k == GRID ? to : from * (1 - t) + to * t; // to - from overflows for [-MAX, MAX]
            Probe p = probe(graph, x);
            if (p.broken()) return bisect(graph, from, to, finite, x, p);
            finite = x;
        }
        return BreakingPoint.none(from, to);
    }

    /** Narrows [finite, broken] to neighbouring doubles, walking the doubles in their numeric order. */
    private static BreakingPoint bisect(UnaryOperator<Var> graph, double from, double to, double finite, double broken, Probe atBroken) {
        long a = ordinal(finite), b = ordinal(broken);
        Probe pb = atBroken;
        while (a != b && a + 1 != b && b + 1 != a) {
            long mid = (a >> 1) + (b >> 1) + (a & b & 1); // floor((a + b) / 2) without overflow
            Probe p = probe(graph, fromOrdinal(mid));
            if (p.broken()) {
                b = mid;
                pb = p;
            } else {
                a = mid;
            }
        }
        return BreakingPoint.at(from, to, fromOrdinal(b), fromOrdinal(a), pb.inGradient, pb.report);
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
