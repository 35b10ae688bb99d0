package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** Where emulation rounds: op outputs, leaves entering the graph, gradients; what it keeps float64: masters and leaf sums. */
@SuppressWarnings("try") // emulation scopes are opened for their effect on the body
class EmulationTest {
    @Test
    void theDefaultIsFloat64AndAScopeRestoresWhatItFound() {
        assertSame(Precision.FLOAT64, Precision.current());
        try (Emulation outer = Precision.emulate(Precision.BFLOAT16)) {
            Emulation inner = Precision.emulate(Precision.FLOAT16);
            assertSame(Precision.FLOAT16, Precision.current());
            inner.close();
            inner.close();
            assertSame(Precision.BFLOAT16, Precision.current(), "a second close changes nothing");
            assertSame(Precision.BFLOAT16, outer.precision());
        }
        assertSame(Precision.FLOAT64, Precision.current());
    }

    @Test
    void anOpOutputIsRoundedOnceToTheFormat() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var x = Var.input("x", Tensor.of(new double[][] {{1.0}}));
            Var y = x.div(3.0);
            assertEquals(Precision.FLOAT16.round(1.0 / 3.0), y.item(), 0.0);
            assertNotEquals(1.0 / 3.0, y.item());
        }
        Var x = Var.input("x", Tensor.of(new double[][] {{1.0}}));
        assertEquals(1.0 / 3.0, x.div(3.0).item(), 0.0);
    }

    @Test
    void dataEnteringTheGraphIsRoundedAndAParameterStaysAFloat64Master() {
        double third = 1.0 / 3.0;
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var in = Var.input("x", Tensor.of(new double[][] {{third}}));
            assertEquals(Precision.FLOAT16.round(third), in.item(), 0.0);
            Var w = Var.param("w", Tensor.of(new double[][] {{third}}));
            assertEquals(third, w.item(), 0.0, "the stored master keeps float64");
            Var y = w.mul(1.0);
            assertEquals(Precision.FLOAT16.round(third), y.item(), 0.0, "ops read the parameter rounded");
            w.write().data[0] = 0.1;
            assertEquals(Precision.FLOAT16.round(0.1), w.mul(1.0).item(), 0.0, "a write makes a new rounded copy");
        }
    }

    @Test
    void roundParametersStoresTheParameterRounded() {
        double third = 1.0 / 3.0;
        try (Emulation e = Precision.emulate(Precision.FLOAT16).roundParameters(true)) {
            assertTrue(e.roundsParameters());
            Var w = Var.param("w", Tensor.of(new double[][] {{third}}));
            assertEquals(Precision.FLOAT16.round(third), w.item(), 0.0);
        }
    }

    @Test
    void gradientsAreRoundedAndALeafSumStaysFloat64() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var w = Var.param("w", Tensor.of(new double[][] {{1.0}}));
            // each contribution is 1/3 in float16; their float64 sum is not rounded again
            Var loss = w.div(3.0).add(w.div(3.0)).add(w.div(3.0));
            loss.backward();
            double third = Precision.FLOAT16.round(1.0 / 3.0);
            assertEquals(third + third + third, w.grad().get(0, 0), 0.0);
        }
    }

    @Test
    void theSameGraphIsFiniteInFloat64AndOverflowsExpInFloat16() {
        Var x = Var.input("x", Tensor.of(new double[][] {{12.0}}));
        assertTrue(Double.isFinite(x.exp().item()));
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var x16 = Var.input("x", Tensor.of(new double[][] {{12.0}}));
            NonFiniteException ex = assertThrows(NonFiniteException.class, x16::exp);
            assertEquals(Phase.FORWARD, ex.report().phase());
            assertEquals("exp", ex.report().op());
        }
    }

    @Test
    void aSeedBeyondTheFormatIsRefusedNamingIt() {
        try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
            Var w = Var.param("w", Tensor.of(new double[][] {{1.0}}));
            Var y = w.mul(2.0);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> y.backward(Tensor.of(new double[][] {{65536.0}})));
            assertTrue(ex.getMessage().contains("float16") && ex.getMessage().contains("65504"), ex.getMessage());
        }
    }
}
