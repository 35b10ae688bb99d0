package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step with no gradient at all is a mistake in the loop, refused by name, not counted as applied. */
class OptimizerNoGradientTest {
    @Test
    void aStepBeforeAnyBackwardIsRefusedNamingTheParameters() {
        Var w = Var.param("net/W", Tensor.row(1.0, 2.0));
        Var b = Var.param("net/b", Tensor.row(0.5));
        Optimizer opt = new Adam(List.of(w, b), 0.1);
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("Adam.step()") && e.getMessage().contains("'net/W'")
                && e.getMessage().contains("'net/b'") && e.getMessage().contains("backward"), e.getMessage());
        assertEquals(0, opt.appliedSteps());
        assertArrayEquals(new double[] {1.0, 2.0}, Grads.values(w));
    }

    @Test
    void aStepOverAnotherModelsParametersIsRefusedEvenWhenSkipping() {
        Var mine = Var.param("a/W", Tensor.row(1.0, 2.0));
        Var theirs = Var.param("b/W", Tensor.row(3.0, 4.0));
        Optimizer opt = new SGD(List.of(mine), 0.1).onNonFinite(Optimizer.NonFinitePolicy.SKIP);
        theirs.mul(theirs).sum().backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("'a/W'"), e.getMessage());
        assertEquals(0, opt.appliedSteps());
        assertEquals(0, opt.skippedSteps());
    }

    @Test
    void aParameterWithoutAGradientBesideOnesWithIsLeftAloneAndTheStepApplies() {
        Var used = Var.param("used", Tensor.row(1.0));
        Var unused = Var.param("unused", Tensor.row(5.0));
        Optimizer opt = new SGD(List.of(used, unused), 0.5);
        used.mul(used).sum().backward(); // d/dx x^2 = 2
        opt.step();
        assertEquals(1, opt.appliedSteps());
        assertArrayEquals(new double[] {0.0}, Grads.values(used));
        assertArrayEquals(new double[] {5.0}, Grads.values(unused));
    }
}
