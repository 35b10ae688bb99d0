package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.limits.BreakingPoint;
import io.finitegrad.autodiff.limits.BreakingPoints;
import java.util.function.UnaryOperator;

/**
 * A graph of one scalar stays finite, in value and gradient, over a whole interval: the
 * {@link BreakingPoints} search, as an assertion. It is deterministic (a scan and a bisection, no
 * random examples), so a failure names the exact first breaking input instead of a seed.
 */
public final class FiniteThroughout {
    private final String name;
    private final UnaryOperator<Var> f;
    private final double from;
    private final double to;

    FiniteThroughout(String name, UnaryOperator<Var> f, double from, double to) {
        if (f == null) throw new IllegalArgumentException(name + ": the function is null");
        if (!Double.isFinite(from) || !Double.isFinite(to)) {
            throw new IllegalArgumentException(name + ": the interval must be finite, got [" + from + ", " + to + "]");
        }
        this.name = name;
        this.f = f;
        this.from = from;
        this.to = to;
    }

    /**
     * Searches the interval and returns quietly if nothing breaks.
     *
     * @throws PropertyFailure naming the first input at which the value or gradient is non-finite,
     *     with the guard's report
     */
    public void check() {
        BreakingPoint p = BreakingPoints.search(f, from, to);
        if (!p.found()) return;
        String problem = (p.inGradient() ? "the gradient" : "the value") + " is non-finite from x = " + p.at()
                + (Double.isNaN(p.lastFinite()) ? " (already at the start)" : "; finite up to x = " + p.lastFinite());
        throw new PropertyFailure(name, "searched from " + from + " to " + to, "x = " + p.at(), problem, p.report());
    }
}
