package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Op;
import io.finitegrad.core.StepBuffers;
import io.finitegrad.core.Tensor;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Steps that recycle their buffers ({@link StepBuffers}) compute exactly what fresh allocation
 * computes, and what outlives a step (a parameter's gradient, a detached value) is never a
 * recycled buffer.
 */
class RecyclingTest {
    private static final Tensor W = Tensor.of(3, 2, new double[] {0.5, -1, 2, 0.25, -0.75, 1.5});
    private static final Tensor B = Tensor.of(1, 2, new double[] {0.1, -0.2});

    private static Tensor batch(int step) {
        double[] x = new double[4 * 3];
        for (int i = 0; i < x.length; i++) x[i] = Math.sin(step * 7 + i);
        return Tensor.of(4, 3, x);
    }

    /** Two steps of loss = sum(tanh(x W + b)^2) accumulating into the gradients; returns [dW, db]. */
    private static Tensor[] twoSteps(StepBuffers buffers) {
        Var w = Var.param("w", W), b = Var.param("b", B);
        for (int step = 0; step < 2; step++) {
            if (buffers != null) buffers.nextStep();
            Var y = Var.input("x", batch(step)).matmul(w).add(b).tanh();
            y.mul(y).sum().backward();
        }
        return new Tensor[] {w.grad(), b.grad()};
    }

    @Test
    void gradientsAccumulatedOverRecycledStepsEqualFreshOnesBitForBit() {
        Tensor[] fresh = twoSteps(null);
        Tensor[] recycled;
        try (StepBuffers buffers = StepBuffers.recycle()) {
            recycled = twoSteps(buffers);
            assertTrue(buffers.reused() > 0, "the second step reused nothing: the test checked no recycling");
        }
        assertArrayEquals(fresh[0].toFlatArray(), recycled[0].toFlatArray());
        assertArrayEquals(fresh[1].toFlatArray(), recycled[1].toFlatArray());
    }

    @Test
    void aParametersGradientIsItsOwnStorageNotARecycledBuffer() {
        try (StepBuffers buffers = StepBuffers.recycle()) {
            Var w = Var.param("w", W);
            Var.input("x", batch(0)).matmul(w).sum().backward();
            DMatrixRMaj g = w.gradData();
            double[] before = g.data.clone();
            buffers.nextStep();
            // the next step's results must not land in the gradient kept from the last one
            Var.input("x", batch(1)).matmul(Var.param("other", W)).sum().backward();
            assertArrayEquals(before, w.gradData().data);
        }
    }

    @Test
    void aDetachedValueSurvivesTheNextStep() {
        try (StepBuffers buffers = StepBuffers.recycle()) {
            Var w = Var.param("w", W);
            Var h = Var.input("x", batch(0)).matmul(w).tanh().detach();
            double[] kept = h.value().toFlatArray();
            buffers.nextStep();
            Var.input("x", batch(1)).matmul(w).tanh().sum().backward();
            assertArrayEquals(kept, h.value().toFlatArray());
        }
    }

    @Test
    void aCustomOpWhoseVjpAllocatesStillFeedsParametersCorrectly() {
        Op twice = new Op() {
            public String name() { return "twice"; }
            public DMatrixRMaj forward(DMatrixRMaj[] x) {
                DMatrixRMaj y = x[0].copy();
                for (int i = 0; i < y.data.length; i++) y.data[i] *= 2;
                return y;
            }
            public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
                DMatrixRMaj d = g.copy();
                for (int k = 0; k < d.data.length; k++) d.data[k] *= 2;
                return d;
            }
        };
        Var w = Var.param("w", W);
        Var.apply(twice, w).sum().backward();
        Var.apply(twice, w).sum().backward();
        assertArrayEquals(new double[] {4, 4, 4, 4, 4, 4}, w.gradData().data);
        DMatrixRMaj g = w.gradData();
        assertNotNull(g);
        w.zeroGrad();
        assertArrayEquals(new double[6], w.gradData().data);
        Var.apply(twice, w).sum().backward();
        assertSame(g, w.gradData());
    }

    private static void assertSame(Object expected, Object actual) {
        org.junit.jupiter.api.Assertions.assertSame(expected, actual, "zeroGrad keeps the gradient's storage");
    }

    @Test
    void theScratchAParameterGradientIsWrittenToIsNeverAnotherParametersGradient() {
        Var w1 = Var.param("w1", W), w2 = Var.param("w2", W);
        Var x = Var.input("x", batch(0));
        x.matmul(w1).add(x.matmul(w2)).sum().backward();
        assertNotSame(w1.gradData(), w2.gradData());
        assertArrayEquals(w1.grad().toFlatArray(), w2.grad().toFlatArray());
    }
}
