package io.finitegrad.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * MatMul's transfers: a product whose midpoint cancels while a partial sum of the real one
 * overflows is flagged (the plain midpoint-radius radius stays finite there); points stay nearly points.
 */
class LinearRangeTest {
    private static Interval points(int rows, int cols, double... v) {
        return Interval.point(new DMatrixRMaj(rows, cols, true, v));
    }

    @Test
    void aCancellingMidpointDoesNotHideAnOverflowingPartialSum() {
        // [1e308, 1e308] @ [[1, 2], [-2, -1]]: the midpoints cancel (1.5e308 - 1.5e308 = 0), but the real
        // product at [2, -1] is 2e308 (Inf) + -1e308 = Inf, and at [2, -2] Inf - Inf = NaN
        Interval a = points(1, 2, 1e308, 1e308);
        Interval b = Interval.taking(2, 1, new double[] {1, -2}, new double[] {2, -1}, false);
        Linear.MatMul mm = new Linear.MatMul();
        Range r = mm.forwardRange(new Interval[] {a, b}, Precision.FLOAT64);
        DMatrixRMaj real = mm.forward(new DMatrixRMaj[] {new DMatrixRMaj(1, 2, true, 1e308, 1e308), new DMatrixRMaj(2, 1, true, 2, -1)});
        assertEquals(Double.POSITIVE_INFINITY, real.get(0, 0));
        assertTrue(r.value().contains(0, real.get(0, 0)), r.value().toString());
        assertTrue(r.value().mayBeNaN(), r.value().toString());
        assertEquals(Set.of(Cause.OVERFLOW, Cause.INF_MINUS_INF), r.causes());
        // the gradient to operand 0, g @ B^T with g = 2: each element 2 * 1e308 overflows
        Interval g = points(1, 1, 2.0);
        Range dA = mm.vjpRange(0, new Interval[] {points(1, 2, 1, 1), Interval.taking(2, 1, new double[] {1e308, -1e308},
                new double[] {1e308, -1e308}, false)}, null, g, Precision.FLOAT64);
        assertTrue(dA.value().hi(0) == Double.POSITIVE_INFINITY && dA.value().lo(1) == Double.NEGATIVE_INFINITY, dA.value().toString());
        assertTrue(dA.causes().contains(Cause.OVERFLOW), dA.causes().toString());
    }

    @Test
    void pointOperandsGiveANearlyPointProductWithNoCause() {
        Range r = new Linear.MatMul().forwardRange(new Interval[] {points(2, 2, 1, 2, 3, 4), points(2, 1, 5, 6)}, Precision.FLOAT32);
        assertTrue(r.causes().isEmpty(), r.causes().toString());
        assertFalse(r.value().mayBeNaN());
        assertTrue(r.value().contains(0, 17) && r.value().hi(0) - r.value().lo(0) < 1e-13, r.value().toString(0));
        assertTrue(r.value().contains(1, 39) && r.value().hi(1) - r.value().lo(1) < 1e-13, r.value().toString(1));
    }
}
