package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Graph mechanics: deep chains, accumulation, detach, error messages, inspection, GradCheck hygiene. */
class GraphTest {
    private static final int DEPTH = 100_000;

    @Test
    void aHundredThousandNodeMulChainBackpropagatesWithoutRecursion() {
        Var x = Var.param("x", Tensor.scalar(1.5));
        Var y = x;
        for (int i = 0; i < DEPTH; i++) y = y.mul(1.0000001);
        y.backward();
        double factor = Math.pow(1.0000001, DEPTH);
        assertEquals(factor, x.grad().item(), factor * 1e-9);
        assertEquals(1.5 * factor, y.item(), factor * 1e-9);
    }

    @Test
    void aHundredThousandNodeAddChainCountsEveryUseOfTheBias() {
        Var x = Var.param("x", Tensor.row(1, 2));
        Var c = Var.param("c", Tensor.scalar(0.001));
        Var y = x;
        for (int i = 0; i < DEPTH; i++) y = y.add(c);
        y.sum().backward();
        assertArrayEquals(new double[] {1, 1}, x.grad().toFlatArray());
        assertEquals(2.0 * DEPTH, c.grad().item());
    }

    @Test
    void gradientsAccumulateOverEveryUseOfANode() {
        Var x = Var.param("x", Tensor.row(0.5, -1));
        Var h = x.exp();
        h.add(h).add(x).sum().backward();
        assertArrayEquals(new double[] {2 * Math.exp(0.5) + 1, 2 * Math.exp(-1) + 1}, x.grad().toFlatArray(), 1e-15);
        assertArrayEquals(new double[] {2, 2}, h.grad().toFlatArray());
    }

    @Test
    void parameterGradientsAccumulateOverBackwardCallsUntilZeroGrad() {
        Var w = Var.param("w", Tensor.row(2, 3));
        Var x = Var.input("x", Tensor.row(5, 7));
        w.mul(x).sum().backward();
        w.mul(x).sum().backward();
        assertArrayEquals(new double[] {10, 14}, w.grad().toFlatArray());
        w.zeroGrad();
        assertArrayEquals(new double[] {0, 0}, w.grad().toFlatArray());
        w.mul(x).sum().backward();
        assertArrayEquals(new double[] {5, 7}, w.grad().toFlatArray());
    }

    @Test
    void backwardTwiceOnTheSameGraphAddsTheParameterGradientTwice() {
        Var w = Var.param("w", Tensor.row(2, 3));
        Var h = w.mul(3);
        Var loss = h.sum();
        loss.backward();
        loss.backward();
        assertArrayEquals(new double[] {6, 6}, w.grad().toFlatArray());
        // intermediate gradients describe one pass; only parameters accumulate
        assertArrayEquals(new double[] {1, 1}, h.grad().toFlatArray());
    }

    @Test
    void twoLossesSharingAnIntermediateNodeEachCountOnce() {
        Var w = Var.param("w", Tensor.row(2, 3));
        Var x = Var.param("x", Tensor.row(5, 7));
        Var h = w.mul(x);
        h.sum().backward();
        h.mul(3).sum().backward();
        assertArrayEquals(new double[] {4 * 5, 4 * 7}, w.grad().toFlatArray());
        assertArrayEquals(new double[] {4 * 2, 4 * 3}, x.grad().toFlatArray());
    }

    @Test
    void detachStopsGradients() {
        Var x = Var.param("x", Tensor.row(2, 3));
        Var stopped = x.mul(x).detach();
        assertEquals(Var.Kind.CONSTANT, stopped.kind());
        assertFalse(stopped.requiresGrad());
        assertEquals(x.mul(x).value(), stopped.value());
        stopped.mul(x).sum().backward();
        assertArrayEquals(new double[] {4, 9}, x.grad().toFlatArray(), "only the non-detached factor carries gradient");
        assertFalse(stopped.hasGrad());
    }

    @Test
    void detachedParameterDoesNotFollowLaterUpdates() {
        Var p = Var.param("p", Tensor.row(1, 2));
        Var frozen = p.detach();
        p.write().data[0] = 42;
        assertEquals(1.0, frozen.value().get(0, 0));
    }

    @Test
    void backwardOnANonScalarNamesItsShape() {
        Var x = Var.param("x", Tensor.zeros(2, 3));
        Var y = x.exp().label("activations");
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("activations") && e.getMessage().contains("2x3"), e.getMessage());
        assertTrue(e.getMessage().contains("sum()"), e.getMessage());
    }

    @Test
    void backwardWithoutAnyParameterSaysSo() {
        Var loss = Var.input("x", Tensor.row(1, 2)).exp().sum().label("loss");
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("loss") && e.getMessage().contains("no parameter"), e.getMessage());
        Var constantLoss = Var.constant(3.0);
        assertThrows(IllegalStateException.class, constantLoss::backward);
    }

    @Test
    void matmulShapeMismatchNamesOpLabelsAndShapes() {
        Var a = Var.input("a", Tensor.zeros(3, 4));
        Var w1 = Var.param("w1", Tensor.zeros(5, 2));
        ShapeException e = assertThrows(ShapeException.class, () -> a.matmul(w1));
        String m = e.getMessage();
        assertTrue(m.contains("matmul"), m);
        assertTrue(m.contains("a (3x4)"), m);
        assertTrue(m.contains("w1 (5x2)"), m);
        assertTrue(m.contains("inner dimensions"), m);
        assertTrue(m.indexOf("a (3x4)") < m.indexOf("w1 (5x2)"), "operands in order: " + m);
    }

    @Test
    void nonBroadcastableAddNamesBothShapes() {
        Var a = Var.param("left", Tensor.zeros(2, 3));
        Var b = Var.param("right", Tensor.zeros(3, 2));
        ShapeException e = assertThrows(ShapeException.class, () -> a.add(b));
        String m = e.getMessage();
        assertTrue(m.contains("add") && m.contains("left") && m.contains("right"), m);
        assertTrue(m.contains("2x3") && m.contains("3x2"), m);
        assertThrows(ShapeException.class, () -> a.mul(Var.constant(Tensor.zeros(1, 2))));
        assertThrows(ShapeException.class, () -> a.where(Tensor.ones(2, 3), Var.constant(Tensor.zeros(2, 2))));
        assertThrows(ShapeException.class, () -> a.sliceRows(1, 3));
        assertThrows(ShapeException.class, () -> Var.concatCols(a, b));
    }

    @Test
    void intermediateGradientsCanBeInspectedAfterBackward() {
        Var x = Var.input("x", Tensor.row(1, 2));
        Var w = Var.param("w", Tensor.row(3, 4));
        Var h = x.mul(w).label("h");
        Var z = h.square();
        z.sum().backward();
        assertTrue(h.hasGrad());
        assertArrayEquals(new double[] {2 * 3, 2 * 8}, h.grad().toFlatArray());
        assertArrayEquals(new double[] {1, 1}, z.grad().toFlatArray());
        assertFalse(x.hasGrad(), "inputs do not require grad");
        assertArrayEquals(new double[] {0, 0}, x.grad().toFlatArray());
        assertEquals(h.grad(), Tensor.of(h.gradData()), "grad() shows the live gradient storage");
    }

    @Test
    void gradCheckRestoresParametersBitExactly() {
        double[] v = {0.1, 1.0 / 3, -7.123456789e-5, 1e10, Math.PI, -0.0};
        Var p = Var.param("p", Tensor.of(2, 3, v));
        Var q = Var.param("q", Tensor.scalar(Math.E));
        Tensor before = p.value();
        var storage = p.read();
        GradCheck.Result r = GradCheck.check(() -> p.mul(q).tanh().square().sum(), List.of(p, q));
        assertTrue(r.passed(1e-6), r.toString());
        assertEquals(before, p.value(), "bit-identical");
        assertEquals(Tensor.scalar(Math.E), q.value());
        assertSame(storage, p.read());
    }

    @Test
    void gradCheckRestoresParametersWhenTheLossFails() {
        Var p = Var.param("p", Tensor.row(0.1, 0.2));
        Tensor before = p.value();
        int[] calls = {0};
        assertThrows(IllegalStateException.class, () -> GradCheck.check(() -> {
            if (++calls[0] == 3) throw new IllegalStateException("loss failed");
            return p.square().sum();
        }, List.of(p)));
        assertEquals(before, p.value());
    }

    @Test
    void gradCheckRejectsBadArguments() {
        Var p = Var.param("p", Tensor.row(1, 2));
        Var in = Var.input("in", Tensor.row(1, 2));
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(() -> p.sum(), List.of(in)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradCheck.check(() -> p.exp(), List.of(p)));
        assertTrue(e.getMessage().contains("1x2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(() -> p.sum(), List.of(p), 0));
    }
}
