package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

@SuppressWarnings("try") // guard and site scopes are opened for their effect, never read
class GradClipTest {

    private static double norm(List<Var> ps) {
        double s = 0;
        for (Var p : ps) for (double g : p.grad().toFlatArray()) s += g * g;
        return Math.sqrt(s);
    }

    /** Two parameters, a and b, whose gradients are {@code all} split before index {@code split}. */
    private static List<Var> withGrads(double[] all, int split) {
        double[] a = java.util.Arrays.copyOfRange(all, 0, split);
        double[] b = java.util.Arrays.copyOfRange(all, split, all.length);
        Var pa = Var.param("a", Tensor.zeros(1, a.length));
        Var pb = Var.param("b", Tensor.zeros(1, b.length));
        Grads.set(pa, a);
        Grads.set(pb, b);
        return List.of(pa, pb);
    }

    @Test
    void clippedGlobalNormIsExactlyMaxNormAndSmallGradientsAreUntouched() {
        Gen<Tensor> grads = TensorGens.tensors(TensorGens.shapes(1, 20).map(s -> new TensorGens.Shape(2, s.cols())),
                TensorGens.uniform(-1e3, 1e3));
        qt().forAll(grads, TensorGens.uniform(1e-3, 100))
                .checkAssert((values, maxNorm) -> {
                    List<Var> ps = withGrads(values.toFlatArray(), values.cols()); // row 0 is a, row 1 is b
                    double before = norm(ps);
                    double[] a0 = ps.get(0).grad().toFlatArray();
                    double[] b0 = ps.get(1).grad().toFlatArray();
                    double reported = GradClip.byGlobalNorm(ps, maxNorm);
                    assertEquals(before, reported, 1e-12 * Math.max(1, before));
                    if (before > maxNorm) {
                        assertEquals(maxNorm, norm(ps), 1e-12);
                    } else {
                        assertArrayEquals(a0, ps.get(0).grad().toFlatArray(), 0);
                        assertArrayEquals(b0, ps.get(1).grad().toFlatArray(), 0);
                    }
                });
    }

    @Test
    void concreteClipScalesDirectionPreserved() {
        List<Var> ps = withGrads(new double[] {3.0, 0.0, 4.0}, 1); // norm 5
        assertEquals(5.0, GradClip.byGlobalNorm(ps, 1.0), 1e-15);
        assertArrayEquals(new double[] {0.6}, ps.get(0).grad().toFlatArray(), 1e-15);
        assertArrayEquals(new double[] {0.0, 0.8}, ps.get(1).grad().toFlatArray(), 1e-15);
    }

    @Test
    void normOfHugeFiniteGradientsDoesNotOverflow() {
        List<Var> ps = withGrads(new double[] {3e200, 4e200}, 1);
        assertEquals(5e200, GradClip.globalNorm(ps), 1e188);
        GradClip.byGlobalNorm(ps, 2.0);
        assertEquals(2.0, norm(ps), 1e-12);
    }

    @Test
    void nonFiniteNormScalesNothingAndCanFailNamingTheParameter() {
        Var a = Var.param("a", Tensor.row(1.0, 2.0));
        Var w = Var.param("w", Tensor.row(0.0, 4.0));
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            w.sqrt().sum().add(a.mul(100).sum()).backward();
        }
        List<Var> ps = List.of(a, w);
        assertEquals(Double.POSITIVE_INFINITY, GradClip.byGlobalNorm(ps, 1.0));
        assertArrayEquals(new double[] {100, 100}, a.grad().toFlatArray());
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> GradClip.byGlobalNorm(ps, 1.0, true));
        assertEquals(List.of("w"), e.parameters());
        assertTrue(e.getMessage().contains("total gradient norm is Infinity"), e.getMessage());
        assertEquals("sqrt", e.report().op());
    }

    @Test
    void byValueClampsButKeepsNaNVisible() {
        List<Var> ps = withGrads(new double[] {-5.0, 0.5, 7.0}, 2);
        GradClip.byValue(ps, 1.0);
        assertArrayEquals(new double[] {-1.0, 0.5}, ps.get(0).grad().toFlatArray());
        assertArrayEquals(new double[] {1.0}, ps.get(1).grad().toFlatArray());
        Var w = Var.param("w", Tensor.row(-1.0));
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            w.sqrt().sum().backward();
        }
        GradClip.byValue(List.of(w), 1.0);
        assertTrue(Double.isNaN(w.grad().item()));
    }
}
