package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.proptest.GradientProperties;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** A user-written {@link Op} goes through {@link Var#apply}, backward and {@link GradCheck} like a built-in. */
class CustomOpTest {

    /** x^3, with a derivative factor that a test can get wrong on purpose. */
    static final class Cube implements Op {
        private final double factor;

        Cube(double factor) {
            this.factor = factor;
        }

        public String name() { return "cube"; }

        public boolean elementwise() { return true; }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = new DMatrixRMaj(x[0].numRows, x[0].numCols);
            for (int i = 0; i < y.getNumElements(); i++) y.data[i] = x[0].data[i] * x[0].data[i] * x[0].data[i];
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = new DMatrixRMaj(g.numRows, g.numCols);
            for (int k = 0; k < d.getNumElements(); k++) d.data[k] = g.data[k] * factor * x[0].data[k] * x[0].data[k];
            return d;
        }
    }

    /** {@code a * b + a} of two same-shaped operands, so the operand index matters in the vjp. */
    static final Op MUL_ADD = new Op() {
        public String name() { return "mulAdd"; }

        public String symbol() { return "(*)+"; }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            if (x[0].numRows != x[1].numRows || x[0].numCols != x[1].numCols) throw new ShapeException("shapes differ");
            DMatrixRMaj y = new DMatrixRMaj(x[0].numRows, x[0].numCols);
            for (int i = 0; i < y.getNumElements(); i++) y.data[i] = x[0].data[i] * x[1].data[i] + x[0].data[i];
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = new DMatrixRMaj(g.numRows, g.numCols);
            for (int k = 0; k < d.getNumElements(); k++) {
                d.data[k] = g.data[k] * (i == 0 ? x[1].data[k] + 1 : x[0].data[k]);
            }
            return d;
        }
    };

    @Test
    void backwardThroughACustomOpGivesItsVjp() {
        Var x = Var.param("x", Tensor.row(1, -2, 0.5));
        Var y = Var.apply(new Cube(3), x);
        assertEquals("cube", y.opName());
        assertEquals(Var.Kind.OP, y.kind());
        assertEquals(List.of(x), y.parents());
        assertArrayEquals(new double[] {1, -8, 0.125}, y.value().toFlatArray());
        y.mul(Var.constant(Tensor.row(1, 2, 3))).sum().backward();
        assertArrayEquals(new double[] {3, 2 * 12, 3 * 0.75}, x.grad().toFlatArray(), 1e-15);
    }

    /**
     * Row 0 is a, row 1 is b: one input tensor carries both operands, so both gradients are checked.
     * Magnitudes stay in [0.25, 2]: near a = 0 the exact gradient vanishes like a^2 while central
     * differences keep a truncation error of order h^2, which no relative tolerance accepts.
     */
    @Test
    void customOpsPassGradCheckInsideAGraph() {
        Gen<Tensor> ab = TensorGens.tensors(TensorGens.shapes(1, 6).map(s -> new TensorGens.Shape(2, s.cols())),
                TensorGens.logUniform(0.25, 2));
        GradientProperties.gradCheck("mulAdd(cube(tanh a), b)", ab,
                x -> Var.apply(MUL_ADD, Var.apply(new Cube(3), x.sliceRows(0, 1).tanh()), x.sliceRows(1, 2)).sigmoid())
                .check();
    }

    @Test
    void gradCheckCatchesAWrongVjp() {
        Var x = Var.param("x", Tensor.row(0.5, -1.5, 2));
        GradCheck.Result r = GradCheck.check(() -> Var.apply(new Cube(2), x).sum(), List.of(x));
        assertTrue(r.maxError() > 0.1, r.toString());
        assertTrue(!r.passed(1e-6));
        assertArrayEquals(new double[] {0.75, 6.75, 12}, r.numeric("x"), 1e-6);
        assertArrayEquals(new double[] {0.5, 4.5, 8}, r.analytic("x"), 1e-12);
    }

    @Test
    void aCustomOpShapeErrorNamesOperandsLikeABuiltIn() {
        Var a = Var.param("a", Tensor.zeros(2, 3));
        Var b = Var.input("b", Tensor.zeros(3, 2));
        ShapeException e = assertThrows(ShapeException.class, () -> Var.apply(MUL_ADD, a, b));
        String m = e.getMessage();
        assertTrue(m.contains("mulAdd") && m.contains("a (2x3)") && m.contains("b (3x2)") && m.contains("shapes differ"), m);
    }
}
