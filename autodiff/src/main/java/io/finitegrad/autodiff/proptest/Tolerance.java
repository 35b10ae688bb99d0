package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.GradCheck;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import java.util.Arrays;
import java.util.List;

/**
 * How analytic and central-difference gradients are compared, shared by both forms of the gradient
 * check: per element, {@code |analytic - numeric| <= absolute + relative * max(|analytic|, |numeric|)}.
 * An element whose central difference is not finite (a perturbed input made the loss overflow) has
 * nothing to compare against and is left out.
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
     * Compares every parameter's gradients in {@code r}; returns whether any element had a central
     * difference to compare against.
     *
     * @throws Violation at a non-finite analytic gradient (with the guard's report) or at elements
     *     that differ by more than the tolerance (the worst few listed)
     */
    boolean check(List<Var> params, GradCheck.Result r, FiniteGuard.Scope warn) {
        boolean compared = false;
        int bad = 0, total = 0;
        StringBuilder worst = new StringBuilder();
        for (Var p : params) {
            double[] a = r.analytic(p.name()), n = r.numeric(p.name());
            int cols = p.cols();
            for (int k = 0; k < a.length; k++) {
                if (Double.isFinite(a[k])) continue;
                NanReport report = Violation.gradientEntry(p, warn);
                throw new Violation("analytic gradient of '" + p.name() + "' at " + at(k, cols) + " is " + a[k]
                        + ", central difference " + n[k], report);
            }
            Integer[] order = new Integer[a.length];
            int m = 0;
            for (int k = 0; k < a.length; k++) {
                if (!Double.isFinite(n[k])) continue;
                compared = true;
                total++;
                if (excess(a[k], n[k]) > 0) order[m++] = k;
            }
            bad += m;
            Arrays.sort(order, 0, m, (i, j) -> Double.compare(excess(a[j], n[j]), excess(a[i], n[i])));
            for (int k = 0; k < Math.min(SHOWN, m); k++) {
                int i = order[k];
                worst.append("\n  '").append(p.name()).append("' at ").append(at(i, cols)).append(": analytic ").append(a[i])
                        .append(", central difference ").append(n[i]);
            }
        }
        if (bad > 0) {
            throw new Violation("analytic and central-difference gradients differ at " + bad + " of " + total
                    + " elements by more than " + absolute + " + " + relative + " * |gradient|" + worst, null);
        }
        return compared;
    }

    private static String at(int k, int cols) {
        return "(" + k / cols + ", " + k % cols + ")";
    }
}
