package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The optimiser skips its scan of a gradient only while the backward sweep's check of it still
 * holds ({@link Var#gradientCheckedFinite()}): a NaN or Inf written into a gradient after backward,
 * through any public write path, is still refused, by every optimiser and under either policy;
 * and the float64 step's in-place update keeps the step a transaction.
 */
@SuppressWarnings("try") // guard modes are opened for their effect, never read
class OptimizerGradientWriteTest {
    private static final List<Function<List<Var>, Optimizer>> OPTIMISERS = List.of(
            ps -> new Adam(ps, 0.1), ps -> new AdamW(ps, 0.1), ps -> new SGD(ps, 0.1), ps -> new SGD(ps, 0.1, 0.9));

    private static List<Var> params() {
        return List.of(Var.param("a", Tensor.row(1.0, -2.0)), Var.param("b", Tensor.row(0.5)));
    }

    @Test
    void aNanWrittenThroughGradDataAfterBackwardIsRefused() {
        for (Function<List<Var>, Optimizer> make : OPTIMISERS) {
            List<Var> ps = params();
            Optimizer opt = make.apply(ps);
            Grads.set(ps.get(0), 0.5, -1.0);
            Grads.set(ps.get(1), 2.0);
            assertTrue(ps.get(1).gradientCheckedFinite(), "the sweep checked it");
            ps.get(1).gradData().data[0] = Double.NaN;
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, opt::step,
                    opt.getClass().getSimpleName());
            assertEquals(List.of("b"), e.parameters());
            assertArrayEquals(new double[] {1.0, -2.0}, Grads.values(ps.get(0)), 0, "nothing changed");
            assertEquals(0, ps.get(0).version());
        }
    }

    @Test
    void anInfWrittenAfterBackwardIsSkippedUnderSkip() {
        List<Var> ps = params();
        Optimizer opt = new Adam(ps, 0.1).onNonFinite(Optimizer.NonFinitePolicy.SKIP);
        Grads.set(ps.get(0), 0.5, -1.0);
        Grads.set(ps.get(1), 2.0);
        ps.get(0).gradData().data[1] = Double.POSITIVE_INFINITY;
        opt.step();
        assertEquals(1, opt.skippedSteps());
        assertEquals(0, opt.appliedSteps());
        assertArrayEquals(new double[] {0.5}, Grads.values(ps.get(1)), 0);
    }

    @Test
    void aGradientTheGuardNeverCheckedIsScanned() {
        List<Var> ps = params();
        Optimizer opt = new Adam(ps, 0.1);
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            ps.get(0).mul(Var.constant(Tensor.row(Double.NaN, 1.0))).sum().backward();
            Grads.set(ps.get(1), 2.0);
        }
        assertThrows(NonFiniteGradientException.class, opt::step);
        assertArrayEquals(new double[] {1.0, -2.0}, Grads.values(ps.get(0)), 0);
    }

    /** An optimiser written against the original hooks only: the default in-place path keeps it transactional. */
    private static final class PlainDescent extends Optimizer {
        PlainDescent(List<Var> ps, double lr) {
            super("PlainDescent", ps, lr);
        }

        @Override
        protected void propose(int k, double[] x, double[] g, int n) {
            for (int i = 0; i < n; i++) x[i] -= lr() * g[i];
        }

        @Override
        protected void commit(int k) {
        }
    }

    @Test
    void aCustomOptimiserOnTheDefaultHooksUpdatesAndRefusesAsBefore() {
        List<Var> ps = List.of(Var.param("a", Tensor.row(1.0, -2.0)), Var.param("b", Tensor.row(1.75e308)));
        Optimizer opt = new PlainDescent(ps, 0.5);
        Grads.set(ps.get(0), 1.0, 2.0);
        Grads.set(ps.get(1), 1.0);
        opt.step();
        assertArrayEquals(new double[] {0.5, -3.0}, Grads.values(ps.get(0)), 0);
        opt.setLr(1e308);
        Grads.set(ps.get(1), -0.5);
        assertThrows(NonFiniteUpdateException.class, opt::step);
        assertArrayEquals(new double[] {0.5, -3.0}, Grads.values(ps.get(0)), 0, "a, updated first, was restored");
        assertArrayEquals(new double[] {1.75e308}, Grads.values(ps.get(1)), 0);
        assertEquals(1, ps.get(0).version(), "a refused step writes nothing");
        assertEquals(1, opt.appliedSteps());
    }
}
