package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * A step proven finite beforehand (no copies kept, no scan after; {@link Optimizer#updatedBound})
 * gives exactly what the transaction gives: against a reference computed here in the optimisers'
 * own order of operations, over parameters and gradients of every magnitude and learning rates up
 * to 1e150, every step is refused exactly when the reference's new values are not all finite, and
 * otherwise its bits are the reference's. An unsound bound would let a non-finite update through,
 * which the first half catches, and every bound carried from one step to the next (on the
 * parameter, and on Adam's moments) must hold for the values it bounds; the counts at the end show
 * both the proven path and refusals ran.
 */
class OptimizerProvenStepTest {
    /** Which optimiser, with its hyperparameters; the reference below follows the same formulas. */
    record Setup(int kind, double lr, double wd, double mu, double[] p0, double[][] grads) {
        @Override
        public String toString() {
            return "kind " + kind + ", lr " + lr + ", wd " + wd + ", mu " + mu + ", p0 " + Arrays.toString(p0)
                    + ", grads " + Arrays.deepToString(grads);
        }
    }

    private static final int ADAM = 0, ADAMW = 1, SGD_PLAIN = 2, SGD_MOMENTUM = 3, SGD_NESTEROV = 4;
    private static final double B1 = 0.9, B2 = 0.999, EPS = 1e-8;

    private static double magnitude(Random r, int lo, int hi) {
        return (r.nextBoolean() ? 1 : -1) * (0.5 + r.nextDouble()) * Math.pow(10, lo + r.nextInt(hi - lo + 1));
    }

    private static Gen<Setup> setups() {
        return integers().between(0, 4).zip(integers().all(), doubles().between(-6, 150), (kind, seed, lrExp) -> {
            Random r = new Random(seed);
            double wd = r.nextBoolean() ? 0 : Math.pow(10, -4 + r.nextInt(5));
            double mu = kind >= SGD_MOMENTUM ? (r.nextBoolean() ? 0.9 : 1.5) : 0;
            int n = 1 + r.nextInt(6);
            // magnitudes drawn per example range, so most examples sit well inside and some at the edge
            int pHi = r.nextInt(4) == 0 ? 308 : 3;
            int gHi = r.nextInt(4) == 0 ? 200 : 2;
            double[] p0 = new double[n];
            for (int i = 0; i < n; i++) p0[i] = magnitude(r, -3, pHi);
            double[][] grads = new double[4][n];
            for (double[] g : grads) for (int i = 0; i < n; i++) g[i] = magnitude(r, -8, gHi);
            double lr = r.nextInt(3) == 0 ? Math.pow(10, lrExp) : Math.pow(10, -4 + r.nextInt(4));
            return new Setup(kind, lr, wd, mu, p0, grads);
        });
    }

    private static Optimizer optimiser(Setup s, Var p) {
        return switch (s.kind()) {
            case ADAM -> new Adam(List.of(p), s.lr(), B1, B2, EPS, s.wd());
            case ADAMW -> new AdamW(List.of(p), s.lr(), B1, B2, EPS, s.wd());
            case SGD_PLAIN -> new SGD(List.of(p), s.lr(), 0, 0, s.wd(), false);
            case SGD_MOMENTUM -> new SGD(List.of(p), s.lr(), s.mu(), 0.1, s.wd(), false);
            default -> new SGD(List.of(p), s.lr(), s.mu(), 0, s.wd(), true);
        };
    }

    /** The reference's state: parameter values, Adam's moments or SGD's buffer, steps taken. */
    static final class Ref {
        double[] p, m, v;
        long t;
        boolean started;

        Ref(double[] p0) {
            p = p0.clone();
            m = new double[p0.length];
            v = new double[p0.length];
        }
    }

    /** The next state from {@code g}, or null if any new parameter value is not finite. */
    private static Ref next(Setup s, Ref r, double[] g) {
        int n = r.p.length;
        Ref o = new Ref(r.p);
        o.m = r.m.clone();
        o.v = r.v.clone();
        o.t = r.t + 1;
        o.started = true;
        double lr = s.lr();
        for (int i = 0; i < n; i++) {
            double pi = r.p[i];
            if (s.kind() <= ADAMW) {
                boolean decoupled = s.kind() == ADAMW;
                double bc1 = 1 - Math.pow(B1, o.t), sqrtBc2 = Math.sqrt(1 - Math.pow(B2, o.t)), stepSize = lr / bc1;
                double shrink = decoupled ? 1 - lr * s.wd() : 1, l2 = decoupled ? 0 : s.wd();
                double gi = g[i] + l2 * pi;
                double mi = B1 * r.m[i] + (1 - B1) * gi;
                double vi = B2 * r.v[i] + (1 - B2) * gi * gi;
                o.m[i] = mi;
                o.v[i] = vi;
                o.p[i] = pi * shrink - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + EPS) + 0 * vi;
            } else if (s.kind() == SGD_PLAIN) {
                o.p[i] = pi - lr * (g[i] + s.wd() * pi);
            } else {
                double damp = s.kind() == SGD_MOMENTUM ? 0.1 : 0;
                double gi = g[i] + s.wd() * pi;
                double bi = r.started ? s.mu() * r.m[i] + (1 - damp) * gi : gi;
                o.m[i] = bi;
                o.p[i] = pi - lr * (s.kind() == SGD_NESTEROV ? gi + s.mu() * bi : bi);
            }
            if (!Double.isFinite(o.p[i])) return null;
        }
        return o;
    }

    @SuppressWarnings("try")
    private static void setGradient(Var p, double[] g) {
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            Grads.set(p, g); // p * g may overflow in the forward; its gradient is g exactly
        }
    }

    private static double maxAbs(double[] d) {
        double m = 0;
        for (double x : d) m = Math.max(m, Math.abs(x));
        return m;
    }

    private static long provenTotal, refusedTotal, appliedTotal;

    @Test
    void aProvenStepIsTheTransactionsStepBitForBit() {
        provenTotal = refusedTotal = appliedTotal = 0;
        qt().withExamples(Integer.getInteger("QT_EXAMPLES", 100) * 4).forAll(setups()).checkAssert(s -> {
            Var p = Var.param("w", Tensor.row(s.p0()));
            Optimizer opt = optimiser(s, p);
            Ref ref = new Ref(s.p0());
            for (double[] g : s.grads()) {
                setGradient(p, g);
                Ref expected = next(s, ref, g);
                long provenBefore = opt.provenSteps();
                if (expected == null) {
                    assertThrows(NonFiniteUpdateException.class, opt::step, s.toString());
                    assertArrayEquals(ref.p, Grads.values(p), "a refused step changed nothing");
                    assertEquals(provenBefore, opt.provenSteps(), "a refused step was not proven");
                    refusedTotal++;
                    continue;
                }
                opt.step();
                assertArrayEquals(expected.p, Grads.values(p), s.toString());
                // the bound carried to the next step holds for the values it bounds
                assertTrue(maxAbs(expected.p) <= opt.trackedBound(0), s + ": |p| " + maxAbs(expected.p)
                        + " above its bound " + opt.trackedBound(0));
                if (opt instanceof Adam a && !Double.isNaN(a.momentBounds(0)[0])) {
                    assertTrue(maxAbs(expected.m) <= a.momentBounds(0)[0], s + ": |m| above its bound");
                    assertTrue(maxAbs(expected.v) <= a.momentBounds(0)[1], s + ": v above its bound");
                }
                ref = expected;
                appliedTotal++;
            }
            provenTotal += opt.provenSteps();
        });
        assertTrue(provenTotal > appliedTotal / 2, "the proven path ran in " + provenTotal + " of " + appliedTotal);
        assertTrue(refusedTotal > 0, "no example reached a refusal: the edge was never tested");
        assertTrue(provenTotal < appliedTotal, "every applied step was proven: the transaction path was not compared");
    }

    @Test
    void aValueWrittenAfterAStepIsMeasuredNotTakenFromTheTrackedBound() {
        Var p = Var.param("w", Tensor.row(1.0, -2.0));
        Optimizer opt = new SGD(List.of(p), 1e10);
        setGradient(p, new double[] {1, 1});
        opt.step();
        assertEquals(1, opt.provenSteps());
        p.write().data[0] = Double.MAX_VALUE; // finite, but a step of lr * g = 1e10 * -1e300 overflows
        setGradient(p, new double[] {-1e300, 0});
        assertThrows(NonFiniteUpdateException.class, opt::step);
        assertEquals(Double.MAX_VALUE, Grads.values(p)[0]);
    }
}
