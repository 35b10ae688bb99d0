package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import java.util.Arrays;
import java.util.List;

/**
 * How analytic and central-difference gradients are compared, shared by both forms of the gradient
 * check: per element, {@code |analytic - numeric| <= absolute + relative * max(|analytic|, |numeric|)}.
 * An element whose central difference is not finite (a perturbed input made the loss overflow) has
 * nothing to compare against and is left out, as is one whose change is below the differenced
 * value's rounding (see {@link #check}).
 */
final class Tolerance {
    /** Worst elements shown in a failure. */
    private static final int SHOWN = 4;

    final double relative;
    final double absolute;

    Tolerance(String property, double relative, double absolute) {
        if (!(relative >= 0) || !(absolute >= 0) || !Double.isFinite(relative) || !Double.isFinite(absolute)
                || relative + absolute == 0) {
            throw new IllegalArgumentException(property + ": tolerances must be finite, >= 0 and not both 0, got "
                    + relative + ", " + absolute);
        }
        this.relative = relative;
        this.absolute = absolute;
    }

    /** How far the difference exceeds the tolerance (> 0 fails). */
    double excess(double a, double n) {
        return Math.abs(a - n) - (absolute + relative * Math.max(Math.abs(a), Math.abs(n)));
    }

    /**
     * Compares one example's gradients, parameter by parameter, counting in {@code tally} the
     * elements compared and left out: those whose central difference is not finite, and those whose
     * gradient, analytic and numeric, is within the central difference's {@code resolution} (its
     * rounding: the change the step makes is lost in the value differenced); a compared element
     * may also differ by its resolution. {@code resolution} is null where the differences are exact
     * enough to need none.
     *
     * @throws Violation at a non-finite analytic gradient (with the guard's report) or at elements
     *     that differ by more than the tolerance (the worst few listed)
     */
    void check(List<Var> params, List<double[]> analytic, List<double[]> numeric, List<double[]> resolution,
            FiniteGuard.Scope warn, Tally tally) {
        int bad = 0, total = 0, skipped = 0;
        StringBuilder worst = new StringBuilder();
        for (int i = 0; i < params.size(); i++) {
            Var p = params.get(i);
            double[] a = analytic.get(i), n = numeric.get(i), res = resolution == null ? null : resolution.get(i);
            int cols = p.cols();
            for (int k = 0; k < a.length; k++) {
                if (Double.isFinite(a[k])) continue;
                NanReport report = Violation.gradientEntry(p, warn);
                throw new Violation("analytic gradient of '" + p.name() + "' at " + at(k, cols) + " is " + a[k]
                        + ", central difference " + n[k], report);
            }
            double[] over = new double[a.length];
            Integer[] order = new Integer[a.length];
            int m = 0;
            for (int k = 0; k < a.length; k++) {
                double r = res == null ? 0 : res[k];
                if (!Double.isFinite(n[k]) || Math.max(Math.abs(a[k]), Math.abs(n[k])) <= r && r > 0) {
                    skipped++;
                    continue;
                }
                total++;
                over[k] = excess(a[k], n[k]) - r;
                if (over[k] > 0) order[m++] = k;
            }
            bad += m;
            Arrays.sort(order, 0, m, (x, y) -> Double.compare(over[y], over[x]));
            for (int k = 0; k < Math.min(SHOWN, m); k++) {
                int e = order[k];
                worst.append("\n  '").append(p.name()).append("' at ").append(at(e, cols)).append(": analytic ").append(a[e])
                        .append(", central difference ").append(n[e]);
            }
        }
        tally.compared(total);
        tally.skipped(skipped);
        if (bad > 0) {
            String left = skipped == 0 ? "" : " (" + skipped + " more left out: no finite central difference, or below its rounding)";
            throw new Violation("analytic and central-difference gradients differ at " + bad + " of " + total
                    + " elements by more than " + absolute + " + " + relative + " * |gradient|" + left + worst, null);
        }
    }

    private static String at(int k, int cols) {
        return "(" + k / cols + ", " + k % cols + ")";
    }
}
