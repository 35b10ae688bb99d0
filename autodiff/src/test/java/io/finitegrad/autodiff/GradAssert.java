package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The acceptance rule the gradient property tests share: GradCheck's relative error below 1e-6 for
 * every parameter, where the finite difference is accurate enough to tell.
 *
 * <p>A central difference errs by roundoff, about ulp(loss terms) / h, plus truncation, about
 * h^2 |f'''| / 6. Both are tiny against a typical gradient, but over thousands of random examples
 * some gradients nearly vanish: weights of both signs summed over inputs of both signs, a binary
 * cross-entropy whose target sits next to its prediction. A wrong vjp fails at every step, while
 * these examples pass once h moves away from the dominant error, so a parameter that misses 1e-6 at
 * the default step is checked again at steps 1e-4 and 1e-6. If it misses at all three, its gradient
 * must be negligible against the loss terms (numeric norm below 1e-4 * S, with S the sum of |terms|
 * of the loss) and agree absolutely within 1e-8 * S, still far tighter than any wrong vjp.
 */
final class GradAssert {
    static final double RELATIVE = 1e-6;
    private static final double[] OTHER_STEPS = {1e-4, 1e-6};

    private GradAssert() {
    }

    static void agrees(Supplier<Var> loss, List<Var> params, double lossScale, String what) {
        GradCheck.Result r = GradCheck.check(loss, params);
        if (r.maxError() < RELATIVE) return;
        List<GradCheck.Result> retries = new ArrayList<>();
        for (double step : OTHER_STEPS) retries.add(GradCheck.check(loss, params, step));
        for (Var p : params) {
            double err = r.errors().get(p.name());
            for (GradCheck.Result q : retries) err = Math.min(err, q.errors().get(p.name()));
            if (err < RELATIVE) continue;
            double[] a = r.analytic(p.name()), n = r.numeric(p.name());
            double normN = 0, diff = 0;
            for (int i = 0; i < a.length; i++) {
                normN += n[i] * n[i];
                diff += (a[i] - n[i]) * (a[i] - n[i]);
            }
            normN = Math.sqrt(normN);
            diff = Math.sqrt(diff);
            boolean negligible = normN < 1e-4 * lossScale;
            assertTrue(negligible && diff < 1e-8 * lossScale, what + ": " + p.name() + " best relative error " + err
                    + " over steps 1e-5, 1e-4, 1e-6; |numeric| = " + normN + ", |analytic - numeric| = " + diff
                    + ", loss scale " + lossScale + "\n" + r);
        }
    }

    /** The sum of |terms| of {@code sum(w * out)}. */
    static double scale(Var out, Var w) {
        double s = 0;
        double[] o = out.read().data, ws = w.read().data;
        for (int i = 0, n = out.rows() * out.cols(); i < n; i++) s += Math.abs(o[i] * ws[i]);
        return s;
    }
}
