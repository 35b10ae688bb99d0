package io.finitegrad.autodiff.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.ops.Elementwise;
import io.finitegrad.autodiff.ops.Linear;
import io.finitegrad.autodiff.ops.Shaping;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;

/**
 * The ops that claim {@link Op#finiteFromFinite()} (the guard skips scanning their outputs and
 * gradients) keep finite values finite: over operands and upstream gradients drawn over the whole
 * finite double range, edges included, output and every operand gradient are finite. And the guard
 * still scans where it cannot prove anything.
 */
class FiniteFromFiniteTest {
    record Case(String name, Supplier<Op> op, int arity) {
    }

    private static final List<Case> CLAIMS = List.of(
            new Case("neg", Elementwise.Neg::new, 1),
            new Case("abs", Elementwise.Abs::new, 1),
            new Case("relu", Elementwise.Relu::new, 1),
            new Case("clamp(-1, 1)", () -> new Elementwise.Clamp(-1, 1), 1),
            new Case("clamp(-Inf, Inf)", () -> new Elementwise.Clamp(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY), 1),
            new Case("sliceRows(1, 3)", () -> new Shaping.SliceRows(1, 3), 1),
            new Case("sliceCols(0, 2)", () -> new Shaping.SliceCols(0, 2), 1),
            new Case("concatRows", Shaping.ConcatRows::new, 2),
            new Case("concatCols", Shaping.ConcatCols::new, 2),
            new Case("transpose", Linear.Transpose::new, 1));

    private static final Gen<Double> FINITE = TensorGens.edgeBiased(TensorGens.logUniform()).assuming(Double::isFinite);

    private static Gen<double[]> values(int n) {
        Gen<double[]> g = FINITE.map(v -> new double[] {v});
        for (int i = 1; i < n; i++) g = g.zip(FINITE, (a, v) -> {
            double[] b = java.util.Arrays.copyOf(a, a.length + 1);
            b[a.length] = v;
            return b;
        });
        return g;
    }

    @TestFactory
    Stream<DynamicTest> finiteOperandsAndGradientsStayFinite() {
        return CLAIMS.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            assertTrue(c.op().get().finiteFromFinite(), c.name() + " no longer claims it: drop it here");
            qt().forAll(values(12 * c.arity()), values(12 * c.arity())).checkAssert((xs, gs) -> {
                DMatrixRMaj[] x = new DMatrixRMaj[c.arity()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = new DMatrixRMaj(4, 3, true, java.util.Arrays.copyOfRange(xs, 12 * i, 12 * i + 12));
                }
                Op op = c.op().get();
                DMatrixRMaj y = op.forward(x);
                assertTrue(FiniteScan.allFinite(y), c.name() + " made a non-finite value from finite operands");
                DMatrixRMaj g = new DMatrixRMaj(y.numRows, y.numCols, true, java.util.Arrays.copyOf(gs, y.getNumElements()));
                for (int i = 0; i < x.length; i++) {
                    DMatrixRMaj gi = op.vjp(i, x, y, g);
                    assertEquals(x[i].getNumElements(), gi.getNumElements());
                    assertTrue(FiniteScan.allFinite(gi), c.name() + " sent a non-finite gradient to operand " + i);
                }
            });
        }));
    }

    @Test
    void aClampToAnOverflowedBoundClaimsNothing() {
        // every value is clamped to +Inf: the scan must run
        assertFalse(new Elementwise.Clamp(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY).finiteFromFinite());
        assertFalse(new Elementwise.Clamp(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY).finiteFromFinite());
        assertFalse(new Elementwise.Exp().finiteFromFinite());
    }

    @Test
    @SuppressWarnings("try")
    void aReluOfANodeMadeWithTheGuardOffIsStillScanned() {
        Var w = Var.param("w", Tensor.of(1, 2, 1, 1));
        Var bad;
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            bad = w.div(Var.constant(Tensor.of(1, 2, 0, 1))).mul(Var.constant(0)); // 0 * Inf = NaN, unchecked
        }
        Var parent = bad;
        NonFiniteException e = assertThrows(NonFiniteException.class, parent::relu);
        assertTrue(e.report().toString().contains("relu") || e.report().toString().contains("NaN"), e.report().toString());
    }
}
