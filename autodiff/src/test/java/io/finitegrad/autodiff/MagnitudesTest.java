package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.finitegrad.autodiff.proptest.TensorGens;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** The measures behind early warnings: norms that neither overflow nor underflow, and magnitudes beyond a limit. */
class MagnitudesTest {

    private static DMatrixRMaj of(double... v) {
        return new DMatrixRMaj(1, v.length, true, v);
    }

    @Test
    void theNormOfAnyScaleIsTheScaleTimesTheNormOfTheShape() {
        // sum of squares alone would overflow above ~1e154 and underflow below ~1e-162
        qt().forAll(integers().between(-300, 300), TensorGens.uniform(-1, 1), TensorGens.uniform(-1, 1))
                .checkAssert((exp, a, b) -> {
                    double scale = Math.pow(10, exp);
                    double expected = scale * Math.hypot(a, b);
                    double got = Magnitudes.norm(of(a * scale, b * scale));
                    assertEquals(expected, got, Math.abs(expected) * 1e-12 + Double.MIN_NORMAL, exp + " " + a + " " + b);
                });
    }

    @Test
    void maxAbsIfAboveFindsMagnitudesBeyondTheLimitAndOnlyThose() {
        double limit = Double.MAX_VALUE / 1e4;
        assertEquals(0, Magnitudes.maxAbsIfAbove(of(1e200, -1e300, 3), limit));
        assertEquals(2e305, Magnitudes.maxAbsIfAbove(of(1, -2e305, 1e305), limit));
        assertEquals(0, Magnitudes.maxAbsIfAbove(of(0, 0), limit));
        assertEquals(0, Magnitudes.maxAbsIfAbove(of(Double.POSITIVE_INFINITY, 1), limit), "non-finite values are the guard's");
    }

    @Test
    void numbersInMessagesAreShort() {
        assertEquals("2e305", Magnitudes.shortNumber(2e305));
        assertEquals("4.8e69", Magnitudes.shortNumber(4.8e69));
        assertEquals("1e-6", Magnitudes.shortNumber(1e-6));
        assertEquals("1e4", Magnitudes.shortNumber(9.99e3 + 10));
        assertEquals("128", Magnitudes.shortNumber(128));
        assertEquals("0.665", Magnitudes.shortNumber(0.66500001));
        assertEquals("-3e4", Magnitudes.shortNumber(-3e4));
    }

    @Test
    void headroomIsCountedInOrdersOfMagnitudeFromTheLargestDouble() {
        assertEquals("3", Magnitudes.orders(Magnitudes.ordersFromOverflow(2e305)));
        assertEquals("0.3", Magnitudes.orders(Magnitudes.ordersFromOverflow(9e307)));
        assertTrue(Double.isInfinite(Magnitudes.ordersFromOverflow(0)));
    }
}
