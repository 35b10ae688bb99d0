package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Fix suggestions for one potential defect, each verified by re-running the analysis: the largest
 * shrink of the input ranges, and the largest parameter radius, under which the defect's node
 * certifies (by bisection); for a zero-able operand (log, division, sqrt and their gradients) the
 * smallest epsilon, added at the node, that certifies it; and the guard's remedy as advice.
 */
final class Fixes {
    private static final Set<Cause> EPSILON_FIXES = EnumSet.of(Cause.LOG_OF_ZERO, Cause.DIV_BY_ZERO,
            Cause.ZERO_DIV_ZERO, Cause.ZERO_TIMES_INF, Cause.UNDERFLOW_TO_ZERO, Cause.OVERFLOW);
    private static final int STEPS = 30;

    private final Analysis a;
    private final IntervalPass pass;

    Fixes(Analysis a, IntervalPass pass) {
        this.a = a;
        this.pass = pass;
    }

    List<Fix> suggest(Finding f, Confirmation c) {
        List<Fix> out = new ArrayList<>();
        shrink(f).ifPresent(out::add);
        if (a.radius > 0) radius(f).ifPresent(out::add);
        epsilon(f).ifPresent(out::add);
        String remedy = c != null && c.confirmed() ? c.report().remedy() : f.causes().iterator().next().remedy(a.p);
        out.add(new Fix(Fix.Kind.ADVICE, Double.NaN, remedy, false));
        return out;
    }

    private boolean clears(Finding f, double scale, double r, IntervalPass.Patch patch) {
        return !a.pass(scale, r, patch).flags(f);
    }

    private java.util.Optional<Fix> shrink(Finding f) {
        if (!clears(f, 0, a.radius, null)) return java.util.Optional.empty();
        double ok = 0, bad = 1;
        for (int i = 0; i < STEPS; i++) {
            double mid = (ok + bad) / 2;
            if (clears(f, mid, a.radius, null)) ok = mid;
            else bad = mid;
        }
        if (ok == 0) return java.util.Optional.empty();
        return java.util.Optional.of(new Fix(Fix.Kind.SHRINK_INPUTS, ok, String.format(Locale.ROOT,
                "restrict every input to %.4g of its range about the midpoint", ok), clears(f, ok, a.radius, null)));
    }

    private java.util.Optional<Fix> radius(Finding f) {
        if (!clears(f, 1, 0, null)) return java.util.Optional.empty();
        double ok = 0, bad = a.radius;
        for (int i = 0; i < STEPS; i++) {
            double mid = (ok + bad) / 2;
            if (clears(f, 1, mid, null)) ok = mid;
            else bad = mid;
        }
        if (ok == 0) return java.util.Optional.empty();
        return java.util.Optional.of(new Fix(Fix.Kind.PARAM_RADIUS, ok, String.format(Locale.ROOT,
                "keep every parameter within %.4g of its current value (clipping, a lower learning rate)", ok),
                clears(f, 1, ok, null)));
    }

    private java.util.Optional<Fix> epsilon(Finding f) {
        if (f.causes().stream().noneMatch(EPSILON_FIXES::contains)) return java.util.Optional.empty();
        Var v = a.g.nodes[f.node()];
        if (v.op() == null) return java.util.Optional.empty();
        int[] ps = a.g.parents[f.node()];
        for (int i = 0; i < ps.length; i++) {
            Interval box = pass.value[ps[i]];
            if (!reachesZero(box)) continue;
            for (int e = -12; e <= 0; e++) {
                double eps = a.p.round(Math.pow(10, e));
                if (eps < a.p.minNormal() || !clears(f, 1, a.radius, new IntervalPass.Patch(f.node(), i, eps))) continue;
                String operand = v.parents().get(i).name();
                return java.util.Optional.of(new Fix(Fix.Kind.EPSILON, eps, String.format(Locale.ROOT,
                        "add %s to operand %d ('%s') of '%s': %s", number(eps, a.p), i, operand, v.name(),
                        formula(v.opName(), i, operand, number(eps, a.p))), true));
            }
        }
        return java.util.Optional.empty();
    }

    private static boolean reachesZero(Interval b) {
        for (int e = 0; e < b.size(); e++) if (b.mayBeZero(e)) return true;
        return false;
    }

    private static String formula(String op, int i, String operand, String eps) {
        String x = operand + " + " + eps;
        return switch (op) {
            case "log", "sqrt" -> op + "(" + x + ")";
            case "div" -> i == 1 ? "numerator / (" + x + ")" : "(" + x + ") / denominator";
            default -> op + "(..., " + x + ", ...)";
        };
    }

    private static String number(double v, Precision p) {
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
