package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A step is all or nothing: when finite gradients would make any parameter non-finite, the step is
 * refused before anything is written, so parameters and optimiser state (moments, momentum
 * buffers, step counts) are bit-for-bit those of before, and training can go on as if the refused
 * step had never been asked for.
 */
class OptimizerTransactionTest {
    private static final double[] GA = {0.5, -1.0};
    private static final double[] GB = {-0.5};
    /** Large enough that b (near the largest double) overflows, small enough that a stays finite in Adam. */
    private static final double HUGE_LR = 1e307;

    private static List<Var> params() {
        return List.of(Var.param("a", Tensor.row(1.0, -2.0)), Var.param("b", Tensor.row(1.75e308)));
    }

    private static void grads(List<Var> ps, double scale) {
        Grads.set(ps.get(0), GA[0] * scale, GA[1] * scale);
        Grads.set(ps.get(1), GB[0] * scale);
    }

    /** One good step, then a refused one (a learning rate that overflows b), then two more good steps. */
    private static NonFiniteUpdateException goodRefusedGood(Optimizer opt, List<Var> ps) {
        grads(ps, 1);
        opt.step();
        opt.setLr(HUGE_LR);
        grads(ps, 2);
        NonFiniteUpdateException e = assertThrows(NonFiniteUpdateException.class, opt::step);
        opt.setLr(0.1);
        for (int s = 0; s < 2; s++) {
            grads(ps, 0.5 + s);
            opt.step();
        }
        return e;
    }

    /** The same sequence without the refused step. */
    private static void goodGood(Optimizer opt, List<Var> ps) {
        grads(ps, 1);
        opt.step();
        opt.setLr(0.1);
        for (int s = 0; s < 2; s++) {
            grads(ps, 0.5 + s);
            opt.step();
        }
    }

    private static void assertRefusedStepLeavesNoTrace(Function<List<Var>, Optimizer> make) {
        List<Var> refused = params(), plain = params();
        Optimizer withRefusal = make.apply(refused);
        Optimizer without = make.apply(plain);
        goodRefusedGood(withRefusal, refused);
        goodGood(without, plain);
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(plain.get(k).value().toFlatArray(), refused.get(k).value().toFlatArray(), 0,
                    withRefusal.getClass().getSimpleName() + " parameter " + plain.get(k).name());
        }
        assertEquals(3, withRefusal.appliedSteps());
        assertEquals(0, withRefusal.skippedSteps());
    }

    @Test
    void adamMomentsAndStepCountsAreBitIdenticalAfterARefusedStep() {
        List<Var> ps = params();
        Adam adam = new Adam(ps, 0.1);
        grads(ps, 1);
        adam.step();
        double[][] m = {adam.firstMoment(0), adam.firstMoment(1)};
        double[][] v = {adam.secondMoment(0), adam.secondMoment(1)};
        double[][] p = {ps.get(0).value().toFlatArray(), ps.get(1).value().toFlatArray()};
        adam.setLr(HUGE_LR);
        grads(ps, 2);
        NonFiniteUpdateException e = assertThrows(NonFiniteUpdateException.class, adam::step);
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(m[k], adam.firstMoment(k), 0, "first moment of parameter " + k);
            assertArrayEquals(v[k], adam.secondMoment(k), 0, "second moment of parameter " + k);
            assertEquals(1, adam.stepCount(k), "step count of parameter " + k);
            assertArrayEquals(p[k], ps.get(k).value().toFlatArray(), 0, "values of parameter " + k);
        }
        assertEquals(1, adam.appliedSteps());
        assertEquals("b", e.parameter());
        assertTrue(e.getMessage().startsWith("Adam.step() refused: the update would have made parameter 'b' "
                + "non-finite (1x1, 0 NaN, 1 +Inf"), e.getMessage());
        assertTrue(e.getMessage().contains("no parameter or optimiser state was changed"), e.getMessage());
        assertNotNull(e.report());
        assertEquals(Cause.NON_FINITE_INPUT, e.report().cause());
        assertEquals("b", e.report().label());
    }

    @Test
    void anAdamStepWhoseSecondMomentWouldOverflowIsRefusedNotFrozen() {
        // (1 - beta2) g^2 is beyond the double range for |g| ~ 1e156 while m / sqrt(v) is not: with v
        // Infinity the update would be 0 for ever after, the parameter silently frozen
        List<Var> ps = List.of(Var.param("w", Tensor.row(1.0, -1.0)));
        Adam adam = new Adam(ps, 0.1);
        Grads.set(ps.get(0), 1e156, 0.5);
        NonFiniteUpdateException e = assertThrows(NonFiniteUpdateException.class, adam::step);
        assertEquals("w", e.parameter());
        assertTrue(e.getMessage().contains("second moment") && e.getMessage().contains("1.0E156"), e.getMessage());
        assertArrayEquals(new double[] {0, 0}, adam.secondMoment(0), 0, "nothing committed");
        assertArrayEquals(new double[] {1.0, -1.0}, ps.get(0).value().toFlatArray(), 0);
        assertEquals(0, adam.appliedSteps());
        Grads.set(ps.get(0), 1e150, 0.5); // (1 - beta2) g^2 = 1e297: in range, and taken
        adam.step();
        assertTrue(Double.isFinite(adam.secondMoment(0)[0]) && adam.stepCount(0) == 1);
    }

    @Test
    void aRefusedStepLeavesNoTraceInAnyOptimiser() {
        assertRefusedStepLeavesNoTrace(ps -> new Adam(ps, 0.1));
        assertRefusedStepLeavesNoTrace(ps -> new AdamW(ps, 0.1));
        assertRefusedStepLeavesNoTrace(ps -> new SGD(ps, 0.1));
        assertRefusedStepLeavesNoTrace(ps -> new SGD(ps, 0.1, 0.9));
        assertRefusedStepLeavesNoTrace(ps -> new SGD(ps, 0.1, 0.9, 0, 1e-4, true));
    }

    @Test
    void aRefusedFirstStepLeavesMomentumUnstarted() {
        // SGD's first momentum step copies the gradient into the buffer; a refused first step must
        // not count as that first step
        List<Var> refused = params(), plain = params();
        SGD a = new SGD(refused, HUGE_LR, 0.9), b = new SGD(plain, 0.1, 0.9);
        grads(refused, 1);
        assertThrows(NonFiniteUpdateException.class, a::step);
        a.setLr(0.1);
        for (List<Var> ps : List.of(refused, plain)) grads(ps, 1);
        a.step();
        b.step();
        grads(refused, 2);
        grads(plain, 2);
        a.step();
        b.step();
        assertArrayEquals(plain.get(0).value().toFlatArray(), refused.get(0).value().toFlatArray(), 0);
    }
}
