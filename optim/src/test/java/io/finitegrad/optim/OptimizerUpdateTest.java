package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three steps of each optimiser against values computed here from the published formulas
 * (torch.optim docs), with concrete numbers, independently of the implementation's arrangement.
 */
class OptimizerUpdateTest {
    private static final double[][] G = {{0.5, -1.0}, {0.1, 0.3}, {-0.2, 0.4}};
    private static final double[] P0 = {1.0, -2.0};

    private static Var param() {
        return Var.param("w", Tensor.row(P0));
    }

    private static void assertAfterStep(double[] expected, Var p, int step) {
        double[] got = Grads.values(p);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 1e-12, "step " + step + ", element " + i);
        }
    }

    @Test
    void sgdWithMomentumMatchesHandComputedSteps() {
        Var p = param();
        Optimizer opt = new SGD(List.of(p), 0.1, 0.9);
        // element 0 by hand: b=0.5 -> p=0.95; b=0.9*0.5+0.1=0.55 -> 0.895; b=0.9*0.55-0.2=0.295 -> 0.8655
        // element 1: b=-1 -> -1.9; b=-0.9+0.3=-0.6 -> -1.84; b=-0.54+0.4=-0.14 -> -1.826
        double[][] expected = {{0.95, -1.9}, {0.895, -1.84}, {0.8655, -1.826}};
        for (int s = 0; s < 3; s++) {
            Grads.set(p, G[s]);
            opt.step();
            assertAfterStep(expected[s], p, s + 1);
        }
    }

    @Test
    void sgdNesterovMatchesHandComputedSteps() {
        Var p = param();
        Optimizer opt = new SGD(List.of(p), 0.1, 0.9, 0, 0, true);
        // element 0: b=0.5, g+mu*b=0.95 -> 0.905; b=0.55, 0.1+0.495=0.595 -> 0.8455; b=0.295, -0.2+0.2655 -> 0.83895
        // element 1: b=-1, -1-0.9=-1.9 -> -1.81; b=-0.6, 0.3-0.54=-0.24 -> -1.786; b=-0.14, 0.4-0.126=0.274 -> -1.8134
        double[][] expected = {{0.905, -1.81}, {0.8455, -1.786}, {0.83895, -1.8134}};
        for (int s = 0; s < 3; s++) {
            Grads.set(p, G[s]);
            opt.step();
            assertAfterStep(expected[s], p, s + 1);
        }
    }

    @Test
    void sgdWithWeightDecayAndDampeningFollowsTheTorchFormula() {
        double lr = 0.05, mu = 0.8, damp = 0.3, wd = 0.1;
        Var p = param();
        Optimizer opt = new SGD(List.of(p), lr, mu, damp, wd, false);
        double[] ref = P0.clone();
        double[] b = new double[2];
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < 2; i++) {
                double g = G[s][i] + wd * ref[i];
                b[i] = s == 0 ? g : mu * b[i] + (1 - damp) * g;
                ref[i] = ref[i] - lr * b[i];
            }
            Grads.set(p, G[s]);
            opt.step();
            assertAfterStep(ref, p, s + 1);
            // step 1 by hand, element 0: g = 0.5 + 0.1 * 1 = 0.6, p = 1 - 0.05 * 0.6 = 0.97
            if (s == 0) assertEquals(0.97, Grads.values(p)[0], 1e-12);
        }
    }

    @Test
    void adamMatchesTheTextbookFormulaForThreeSteps() {
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        Var p = param();
        Optimizer opt = new Adam(List.of(p), lr);
        double[] ref = P0.clone();
        double[] m = new double[2], v = new double[2];
        for (int s = 0; s < 3; s++) {
            int t = s + 1;
            for (int i = 0; i < 2; i++) {
                double g = G[s][i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                ref[i] = ref[i] - lr * mHat / (Math.sqrt(vHat) + eps);
            }
            Grads.set(p, G[s]);
            opt.step();
            assertAfterStep(ref, p, t);
        }
    }

    @Test
    void adamFirstStepMovesEachWeightByAboutLr() {
        // After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps).
        Var p = param();
        // no gradient yet: refused (issue #15), and nothing happens
        assertThrows(IllegalStateException.class, new Adam(List.of(p), 0.1)::step);
        assertAfterStep(P0, p, 0);
        Optimizer opt = new Adam(List.of(p), 0.1);
        Grads.set(p, G[0]);
        opt.step();
        assertAfterStep(new double[] {1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 + 0.1 * 1.0 / (1.0 + 1e-8)}, p, 1);
        assertEquals(0.9, Grads.values(p)[0], 1e-8);
    }

    @Test
    void adamWithL2AndAdamWDecoupledMatchTheirFormulas() {
        double lr = 0.01, b1 = 0.8, b2 = 0.99, eps = 1e-6, wd = 0.5;
        Var pa = param();
        Var pw = param();
        Optimizer adam = new Adam(List.of(pa), lr, b1, b2, eps, wd);
        Optimizer adamW = new AdamW(List.of(pw), lr, b1, b2, eps, wd);
        double[] ra = P0.clone(), rw = P0.clone();
        double[] ma = new double[2], va = new double[2], mw = new double[2], vw = new double[2];
        for (int s = 0; s < 3; s++) {
            int t = s + 1;
            double c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < 2; i++) {
                double g = G[s][i] + wd * ra[i];
                ma[i] = b1 * ma[i] + (1 - b1) * g;
                va[i] = b2 * va[i] + (1 - b2) * g * g;
                ra[i] -= lr * (ma[i] / c1) / (Math.sqrt(va[i] / c2) + eps);

                rw[i] -= lr * wd * rw[i];
                double gw = G[s][i];
                mw[i] = b1 * mw[i] + (1 - b1) * gw;
                vw[i] = b2 * vw[i] + (1 - b2) * gw * gw;
                rw[i] -= lr * (mw[i] / c1) / (Math.sqrt(vw[i] / c2) + eps);
            }
            Grads.set(pa, G[s]);
            Grads.set(pw, G[s]);
            adam.step();
            adamW.step();
            assertAfterStep(ra, pa, t);
            assertAfterStep(rw, pw, t);
        }
    }

    @Test
    void learningRateIsReadableAndSettable() {
        Var p = param();
        Optimizer opt = new SGD(List.of(p), 0.1);
        opt.setLr(0.5);
        assertEquals(0.5, opt.lr());
        Grads.set(p, G[0]);
        opt.step();
        assertAfterStep(new double[] {0.75, -1.5}, p, 1);
    }
}
