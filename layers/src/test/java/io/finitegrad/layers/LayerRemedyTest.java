package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** Layers and losses state remedies aimed at the code the user owns: the constructor call, the loss chosen. */
class LayerRemedyTest {

    private static NanReport thrown(Runnable r) {
        return assertThrows(NonFiniteException.class, r::run).report();
    }

    @Test
    void layerNormWithEpsilonZeroAdvisesConstructingItWithAPositiveEpsilon() {
        LayerNorm ln = new LayerNorm("ln_raw", 3, 0.0);
        NanReport r = thrown(() -> ln.forward(Var.input("x", Tensor.of(new double[][] {{1, 2, 4}, {5, 5, 5}}))));
        assertEquals("ln_raw/normalize/div", r.label());
        assertEquals(Cause.ZERO_DIV_ZERO, r.cause());
        assertTrue(r.remedy().contains("construct LayerNorm 'ln_raw' with epsilon > 0, e.g. 1e-5"), r.remedy());
        assertFalse(r.remedy().contains("denominator"), r.remedy());
    }

    @Test
    void batchNormWithEpsilonZeroAdvisesConstructingItWithAPositiveEpsilon() {
        BatchNorm bn = new BatchNorm("bn_raw", 2, 0.0, 0.1);
        NanReport r = thrown(() -> bn.forward(Var.input("x", Tensor.of(new double[][] {{1, 3}, {2, 3}}))));
        assertEquals("bn_raw/normalize/div", r.label());
        assertTrue(r.remedy().contains("construct BatchNorm 'bn_raw' with epsilon > 0, e.g. 1e-5"), r.remedy());
    }

    @Test
    @SuppressWarnings("try") // the emulation scope is opened for its effect on the layer
    void anEpsilonThatIsZeroInTheEmulatedFormatIsNamedInTheRemedy() {
        LayerNorm ln = new LayerNorm("ln_tiny", 3, 1e-8);
        Tensor constantRow = Tensor.of(new double[][] {{1, 2, 4}, {5, 5, 5}});
        assertTrue(Double.isFinite(ln.forward(Var.input("x", constantRow)).value().get(1, 0)), "1e-8 is enough in float64");
        try (io.finitegrad.core.Emulation e = io.finitegrad.core.Precision.emulate(io.finitegrad.core.Precision.FLOAT16)) {
            NanReport r = thrown(() -> ln.forward(Var.input("x", constantRow)));
            assertEquals("ln_tiny/normalize/div", r.label());
            assertTrue(r.remedy().contains("construct LayerNorm 'ln_tiny' with an epsilon float16 holds, e.g. 1e-5"
                    + " (its epsilon 1.0E-8 rounds to 0 in float16"), r.remedy());
        }
        BatchNorm bn = new BatchNorm("bn_tiny", 2, 1e-9, 0.1);
        try (io.finitegrad.core.Emulation e = io.finitegrad.core.Precision.emulate(io.finitegrad.core.Precision.FLOAT16)) {
            NanReport r = thrown(() -> bn.forward(Var.input("x", Tensor.of(new double[][] {{1, 3}, {2, 3}}))));
            assertTrue(r.remedy().contains("construct BatchNorm 'bn_tiny' with an epsilon float16 holds"), r.remedy());
        }
    }

    @Test
    void theEpsilonAdviceDoesNotAnswerAnOverflowInsideTheLayer() {
        // a huge input no longer overflows (the layer scales it), but a huge gain still does
        LayerNorm ln = new LayerNorm("ln_big", 3, 1e-5);
        java.util.Arrays.fill(ln.parameters().get(0).write().data, Double.MAX_VALUE);
        NanReport r = thrown(() -> ln.forward(Var.input("x", Tensor.row(1, 2, 4))));
        assertEquals(Cause.OVERFLOW, r.cause(), r.toString());
        assertFalse(r.remedy().contains("epsilon > 0"), r.remedy());
    }

    @Test
    void naiveBceAdvisesTheLossFromLogits() {
        Var z = Var.param("z", Tensor.row(1e4, 2));
        NanReport r = thrown(() -> Losses.bce(NaiveOps.sigmoid(z), Var.input("y", Tensor.row(1, 0))));
        assertEquals(Cause.LOG_OF_ZERO, r.cause());
        assertTrue(r.remedy().contains("Losses.bceWithLogits"), r.remedy());
    }

    @Test
    void naiveSoftmaxCrossEntropyOverflowAdvisesTheStableLoss() {
        Var z = Var.param("z", Tensor.row(800, 0));
        NanReport r = thrown(() -> Losses.naiveSoftmaxCrossEntropy(z, new int[] {1}));
        assertEquals("naiveSoftmaxCrossEntropy/naiveSoftmax/exp", r.label());
        assertEquals(Cause.EXP_OVERFLOW, r.cause());
        assertTrue(r.remedy().contains("Losses.softmaxCrossEntropy"), r.remedy());
    }

    @Test
    void naiveSoftmaxCrossEntropyLogOfZeroAdvisesTheStableLoss() {
        Var z = Var.param("z", Tensor.row(0, -1000));
        NanReport r = thrown(() -> Losses.naiveSoftmaxCrossEntropy(z, new int[] {1}));
        assertEquals(Cause.LOG_OF_ZERO, r.cause());
        assertTrue(r.remedy().contains("Losses.softmaxCrossEntropy"), r.remedy());
    }
}
