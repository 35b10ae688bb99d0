package io.finitegrad.core;

import static io.finitegrad.core.Precision.BFLOAT16;
import static io.finitegrad.core.Precision.FLOAT16;
import static io.finitegrad.core.Precision.FLOAT32;
import static io.finitegrad.core.Precision.FLOAT64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The rounding cases issue #17 names one by one (ties each way, the binade carry, the subnormal
 * and overflow boundaries, the values that pass through), the formats' limits, {@link Precision#parse}
 * and the summary {@link Precision#roundAndScan} returns.
 */
class PrecisionTest {
    private static double p2(int e) {
        return Math.scalb(1.0, e);
    }

    /** Bit equality, so -0.0 and 0.0 differ; the message names the format and the input. */
    private static void assertRounds(Precision p, double x, double expected) {
        double r = p.round(x);
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(r),
                () -> p.label() + ".round(" + x + ") = " + r + ", expected " + expected);
    }

    @Test
    void tiesGoToTheEvenNeighbourDownOrUp() {
        assertRounds(FLOAT16, 1 + p2(-11), 1.0);                      // 1 is even, 1 + 2^-10 odd
        assertRounds(FLOAT16, 1 + 3 * p2(-11), 1 + p2(-9));            // 1 + 2^-10 odd, 1 + 2^-9 even
        assertRounds(FLOAT16, 3 * p2(-25), p2(-23));                   // subnormals: 1 and 2 steps of 2^-24
        assertRounds(FLOAT16, -(1 + 3 * p2(-11)), -(1 + p2(-9)));
        assertRounds(BFLOAT16, 1 + p2(-8), 1.0);
        assertRounds(BFLOAT16, 1 + 3 * p2(-8), 1 + p2(-6));
        // one double ulp off a tie is no tie: rounding through float would lose this
        assertRounds(FLOAT16, Math.nextUp(1 + p2(-11)), 1 + p2(-10));
        assertRounds(BFLOAT16, Math.nextUp(1 + p2(-8)), 1 + p2(-7));
        assertRounds(FLOAT16, Math.nextDown(1 + 3 * p2(-11)), 1 + p2(-10));
    }

    @Test
    void aCarryOutOfTheFractionIsTheNextBinade() {
        assertRounds(FLOAT16, 2 - p2(-11), 2.0);
        assertRounds(BFLOAT16, 2 - p2(-8), 2.0);
        assertRounds(FLOAT16, Math.nextDown(2 - p2(-11)), 2 - p2(-10));
    }

    @Test
    void theLargestSubnormalPlusHalfAnUlpIsTheSmallestNormal() {
        assertRounds(FLOAT16, 1023 * p2(-24) + p2(-25), p2(-14));
        assertRounds(BFLOAT16, 127 * p2(-133) + p2(-134), p2(-126));
        assertRounds(FLOAT16, Math.nextDown(1023 * p2(-24) + p2(-25)), 1023 * p2(-24));
    }

    @Test
    void float16BelowTheSmallestSubnormal() {
        assertRounds(FLOAT16, p2(-25), 0.0);                           // the tie goes to 0 (even)
        assertRounds(FLOAT16, -p2(-25), -0.0);
        assertRounds(FLOAT16, Math.nextUp(p2(-25)), p2(-24));          // anything in (2^-25, 2^-24) goes up
        assertRounds(FLOAT16, 1.5 * p2(-25), p2(-24));
        assertRounds(FLOAT16, Math.nextDown(p2(-24)), p2(-24));
        assertRounds(FLOAT16, Math.nextDown(p2(-25)), 0.0);
        assertRounds(FLOAT16, 1e-300, 0.0);
        assertRounds(FLOAT16, -Double.MIN_VALUE, -0.0);
        assertRounds(BFLOAT16, p2(-134), 0.0);
        assertRounds(BFLOAT16, Math.nextUp(p2(-134)), p2(-133));
    }

    @Test
    void bothOverflowTiesGoUpToInfinity() {
        assertRounds(FLOAT16, 65520, Double.POSITIVE_INFINITY);        // 65,504 is odd: the tie goes up
        assertRounds(FLOAT16, -65520, Double.NEGATIVE_INFINITY);
        assertRounds(FLOAT16, Math.nextDown(65520.0), 65504);          // all of (65,504, 65,520) stays finite
        assertRounds(FLOAT16, 65510, 65504);
        assertRounds(FLOAT16, Math.nextUp(65504.0), 65504);
        assertRounds(FLOAT16, 1e6, Double.POSITIVE_INFINITY);
        double bfTie = (2 - p2(-8)) * p2(127);
        assertRounds(BFLOAT16, bfTie, Double.POSITIVE_INFINITY);
        assertRounds(BFLOAT16, -bfTie, Double.NEGATIVE_INFINITY);
        assertRounds(BFLOAT16, Math.nextDown(bfTie), BFLOAT16.maxFinite());
        assertRounds(BFLOAT16, Double.MAX_VALUE, Double.POSITIVE_INFINITY);
        assertRounds(FLOAT32, Double.MAX_VALUE, Double.POSITIVE_INFINITY);
    }

    @Test
    void nanInfinitiesAndTheSignOfZeroPassThrough() {
        for (Precision p : Precision.values()) {
            assertTrue(Double.isNaN(p.round(Double.NaN)), p.label());
            assertTrue(Double.isNaN(p.round(Double.longBitsToDouble(0xfff0000000000001L))), p.label() + " negative NaN");
            assertRounds(p, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
            assertRounds(p, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY);
            assertRounds(p, -0.0, -0.0);
            assertRounds(p, 0.0, 0.0);
            assertRounds(p, 1.0, 1.0);
        }
    }

    @Test
    void float32IsTheFloatCastAndFloat64TheIdentity() {
        double[] xs = {0.1, 1 / 3.0, Math.PI, 1e-40, 1e-46, 3.4028235677973366e38, 1 + p2(-24), 1 + 3 * p2(-24),
            Math.nextUp(1 + p2(-24)), -2.5e-45, 1e300};
        for (double x : xs) {
            assertRounds(FLOAT32, x, (double) (float) x);
            assertRounds(FLOAT64, x, x);
        }
        assertRounds(FLOAT32, 1 + p2(-24), 1.0);
        assertRounds(FLOAT32, 1 + 3 * p2(-24), 1 + p2(-22));
    }

    @Test
    void eachFormatKnowsItsLimits() {
        assertEquals(Double.MAX_VALUE, FLOAT64.maxFinite());
        assertEquals(Float.MAX_VALUE, FLOAT32.maxFinite());
        assertEquals(Float.intBitsToFloat(0x7F7F0000), BFLOAT16.maxFinite());
        assertEquals(65504.0, FLOAT16.maxFinite());

        assertEquals(Double.MIN_NORMAL, FLOAT64.minNormal());
        assertEquals(Float.MIN_NORMAL, FLOAT32.minNormal());
        assertEquals(Float.MIN_NORMAL, BFLOAT16.minNormal());
        assertEquals(p2(-14), FLOAT16.minNormal());

        assertEquals(Double.MIN_VALUE, FLOAT64.minSubnormal());
        assertEquals(Float.MIN_VALUE, FLOAT32.minSubnormal());
        assertEquals(p2(-133), BFLOAT16.minSubnormal());
        assertEquals(p2(-24), FLOAT16.minSubnormal());

        assertEquals(709.78, FLOAT64.expOverflow(), 0.005);
        assertEquals(88.72, FLOAT32.expOverflow(), 0.005);
        assertEquals(88.72, BFLOAT16.expOverflow(), 0.005);
        assertEquals(11.09, FLOAT16.expOverflow(), 0.005);
        for (Precision p : Precision.values()) {
            assertTrue(Double.isFinite(Math.exp(p.expOverflow())) && p.round(Math.exp(p.expOverflow())) <= p.maxFinite(),
                    p.label() + ": exp at the limit is still finite");
            // exp(x) rounds back to maxFinite until it passes maxFinite + half an ulp (bfloat16: up
            // to x = 88.7219, 0.2% above 88.7199): 0.01 past the limit overflows in every format
            assertEquals(Double.POSITIVE_INFINITY, p.round(Math.exp(p.expOverflow() + 0.01)),
                    p.label() + ": exp just past the limit overflows");
            // the limits are values of the format
            assertEquals(p.maxFinite(), p.round(p.maxFinite()), p.label());
            assertEquals(p.minSubnormal(), p.round(p.minSubnormal()), p.label());
            assertEquals(1 + p.epsilon(), p.round(1 + p.epsilon()), p.label());
            assertEquals(1.0, p.round(1 + p.epsilon() / 2), p.label() + ": 1 + eps/2 ties to 1");
        }

        assertEquals(p2(-52), FLOAT64.epsilon());
        assertEquals(p2(-10), FLOAT16.epsilon());
        assertEquals(7, BFLOAT16.fractionBits());
        assertEquals(-14, FLOAT16.minExponent());
        assertEquals(127, BFLOAT16.maxExponent());
        assertTrue(FLOAT64.isNative());
        assertFalse(FLOAT32.isNative());
    }

    @Test
    void parseTakesFlagsLabelsAndPyTorchNamesAndNamesABadValue() {
        for (Precision p : Precision.values()) {
            assertEquals(p, Precision.parse(p.flag()));
            assertEquals(p, Precision.parse(p.label()));
            assertEquals(p, Precision.parse(" " + p.label().toUpperCase(java.util.Locale.ROOT) + " "));
        }
        assertEquals("float16", FLOAT16.label());
        assertEquals("fp16", FLOAT16.flag());
        assertEquals(FLOAT16, Precision.parse("half"));
        assertEquals(FLOAT32, Precision.parse("float"));
        assertEquals(FLOAT64, Precision.parse("Double"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
        assertTrue(e.getMessage().contains("'fp8'") && e.getMessage().contains("fp16") && e.getMessage().contains("bf16"),
                e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Precision.parse(null));
        assertTrue(none.getMessage().contains("null"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Precision.emulate(null));
    }

    @Test
    void roundAndScanRoundsInPlaceAndCountsFiniteAndFlushed() {
        double[] d = {1 + p2(-11), 1e-9, -1e-9, 70000, 0.0, 3.0, 99};
        long s = FLOAT16.roundAndScan(d, 6);                           // the last element is not touched
        assertEquals(1.0, d[0]);
        assertEquals(0.0, d[1]);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(d[2]));
        assertEquals(Double.POSITIVE_INFINITY, d[3]);
        assertEquals(99, d[6]);
        assertFalse(Precision.allFinite(s));
        assertEquals(2, Precision.flushed(s), "two non-zeros became 0; the zero that was 0 does not count");

        DMatrixRMaj m = new DMatrixRMaj(new double[][] {{0.1, 1e-30}, {1e-50, 2}});
        long t = FLOAT32.roundAndScan(m);
        assertTrue(Precision.allFinite(t));
        assertEquals(1, Precision.flushed(t));
        assertEquals((double) 0.1f, m.get(0, 0));
        assertEquals((double) 1e-30f, m.get(0, 1));

        double[] nan = {Double.NaN, 1e-300};
        long u = FLOAT64.roundAndScan(nan, 2);
        assertFalse(Precision.allFinite(u));
        assertEquals(0, Precision.flushed(u), "float64 flushes nothing");
        assertEquals(1e-300, nan[1]);
        assertTrue(Precision.allFinite(BFLOAT16.roundAndScan(new double[] {1, 2}, 2)));
        assertTrue(Precision.allFinite(FLOAT16.roundAndScan(new double[0], 0)));
    }
}
