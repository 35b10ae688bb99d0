package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

/** float16 and bfloat16 against their definitions: exact decoding, one rounding to nearest even. */
class FloatFormatsTest {
    private static void assertBits(int expected, short actual, String what) {
        assertEquals(expected & 0xFFFF, actual & 0xFFFF, () -> what + ": expected 0x" + Integer.toHexString(expected & 0xFFFF)
                + " but got 0x" + Integer.toHexString(actual & 0xFFFF));
    }

    @Test
    void halfDecodesNormalsSubnormalsInfinitiesAndNaN() {
        assertEquals(1.0, FloatFormats.halfToDouble((short) 0x3C00));
        assertEquals(-2.0, FloatFormats.halfToDouble((short) 0xC000));
        assertEquals(65504.0, FloatFormats.halfToDouble((short) 0x7BFF));
        assertEquals(Math.scalb(1.0, -14), FloatFormats.halfToDouble((short) 0x0400), "smallest normal");
        assertEquals(Math.scalb(1.0, -24), FloatFormats.halfToDouble((short) 0x0001), "smallest subnormal");
        assertEquals(Math.scalb(1023.0, -24), FloatFormats.halfToDouble((short) 0x03FF), "largest subnormal");
        assertEquals(Double.POSITIVE_INFINITY, FloatFormats.halfToDouble((short) 0x7C00));
        assertEquals(Double.NEGATIVE_INFINITY, FloatFormats.halfToDouble((short) 0xFC00));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(FloatFormats.halfToDouble((short) 0x8000)));
        assertTrue(Double.isNaN(FloatFormats.halfToDouble((short) 0x7E00)));
        assertTrue(Double.isNaN(FloatFormats.halfToDouble((short) 0xFC01)));
    }

    @Test
    void bfloat16DecodesAsTheTopHalfOfAFloat() {
        assertEquals(1.0, FloatFormats.bfloat16ToDouble((short) 0x3F80));
        assertEquals(-0.5, FloatFormats.bfloat16ToDouble((short) 0xBF00));
        assertEquals(Math.scalb(1.0, -133), FloatFormats.bfloat16ToDouble((short) 0x0001), "smallest subnormal");
        assertEquals(Double.POSITIVE_INFINITY, FloatFormats.bfloat16ToDouble((short) 0x7F80));
        assertTrue(Double.isNaN(FloatFormats.bfloat16ToDouble((short) 0x7FC0)));
        qt().forAll(integers().between(0, 0xFFFF)).checkAssert(b -> {
            float f = Float.intBitsToFloat(b << 16);
            double d = FloatFormats.bfloat16ToDouble((short) (int) b);
            if (Float.isNaN(f)) assertTrue(Double.isNaN(d));
            else assertEquals(Double.doubleToRawLongBits(f), Double.doubleToRawLongBits(d), "bits 0x" + Integer.toHexString(b));
        });
    }

    @Test
    void everyHalfAndBfloat16RoundTripsThroughDouble() {
        for (int b = 0; b <= 0xFFFF; b++) {
            short s = (short) b;
            double h = FloatFormats.halfToDouble(s);
            if (Double.isNaN(h)) assertTrue(Double.isNaN(FloatFormats.halfToDouble(FloatFormats.doubleToHalf(h))));
            else assertBits(b, FloatFormats.doubleToHalf(h), "half " + h);
            double bf = FloatFormats.bfloat16ToDouble(s);
            if (Double.isNaN(bf)) assertTrue(Double.isNaN(FloatFormats.bfloat16ToDouble(FloatFormats.doubleToBfloat16(bf))));
            else assertBits(b, FloatFormats.doubleToBfloat16(bf), "bfloat16 " + bf);
        }
    }

    @Test
    void roundsToNearestWithTiesToEven() {
        double ulpAtOne = Math.scalb(1.0, -10);
        assertBits(0x3C00, FloatFormats.doubleToHalf(1 + ulpAtOne / 2), "tie between 0x3C00 and 0x3C01 goes to the even one");
        assertBits(0x3C02, FloatFormats.doubleToHalf(1 + 3 * ulpAtOne / 2), "tie between 0x3C01 and 0x3C02 goes to the even one");
        assertBits(0x3C01, FloatFormats.doubleToHalf(1 + ulpAtOne / 2 + 1e-12), "above the tie rounds up");
        assertBits(0x3C00, FloatFormats.doubleToHalf(1 + ulpAtOne / 2 - 1e-12), "below the tie rounds down");
        assertBits(0x3FFF, FloatFormats.doubleToHalf(Math.nextDown(2.0) - ulpAtOne), "the largest half below 2");
        assertBits(0x4000, FloatFormats.doubleToHalf(Math.nextDown(2.0)), "rounding up carries into the exponent");
        // a double just above a bfloat16 tie must not be rounded twice through float
        double tie = 1 + Math.scalb(1.0, -8);
        assertBits(0x3F80, FloatFormats.doubleToBfloat16(tie), "bfloat16 tie goes to even");
        assertBits(0x3F81, FloatFormats.doubleToBfloat16(tie + Math.scalb(1.0, -40)), "above the tie, below float precision");
        assertBits(0x3F82, FloatFormats.doubleToBfloat16(1 + 3 * Math.scalb(1.0, -8)), "tie between odd and even");
    }

    @Test
    void subnormalsRoundToNearestEven() {
        double tiny = Math.scalb(1.0, -24);
        assertBits(0x0001, FloatFormats.doubleToHalf(tiny), "smallest half subnormal");
        assertBits(0x0000, FloatFormats.doubleToHalf(tiny / 2), "half of it ties to zero (even)");
        assertBits(0x0001, FloatFormats.doubleToHalf(tiny / 2 + Math.scalb(1.0, -60)), "above the tie rounds up");
        assertBits(0x0002, FloatFormats.doubleToHalf(tiny * 1.5), "1.5 ulp ties to 2 (even)");
        assertBits(0x8000, FloatFormats.doubleToHalf(-tiny / 4), "a negative underflow keeps its sign");
        assertBits(0x0400, FloatFormats.doubleToHalf(Math.scalb(1.0, -14) - tiny / 4), "the largest subnormal rounds into the normals");
        assertBits(0x0000, FloatFormats.doubleToHalf(Double.MIN_VALUE), "a double subnormal is far below half");
        double bfTiny = Math.scalb(1.0, -133);
        assertBits(0x0001, FloatFormats.doubleToBfloat16(bfTiny), "smallest bfloat16 subnormal");
        assertBits(0x0002, FloatFormats.doubleToBfloat16(bfTiny * 2.5), "2.5 ulp ties to 2 (even)");
    }

    @Test
    void overflowGoesToInfinityAndNaNStaysNaN() {
        assertBits(0x7BFF, FloatFormats.doubleToHalf(65504), "largest half");
        assertBits(0x7BFF, FloatFormats.doubleToHalf(65519.99), "below the overflow tie");
        assertBits(0x7C00, FloatFormats.doubleToHalf(65520), "the overflow tie goes to infinity (even)");
        assertBits(0xFC00, FloatFormats.doubleToHalf(-1e300), "negative overflow");
        assertBits(0x7C00, FloatFormats.doubleToHalf(Double.POSITIVE_INFINITY), "infinity");
        assertBits(0x7F7F, FloatFormats.doubleToBfloat16(Math.scalb(255.0, 120)), "largest bfloat16");
        assertBits(0x7F80, FloatFormats.doubleToBfloat16(Math.scalb(511.0, 119)), "the bfloat16 overflow tie goes to infinity");
        assertBits(0xFF80, FloatFormats.doubleToBfloat16(-Double.MAX_VALUE), "negative bfloat16 overflow");
        assertTrue(Double.isNaN(FloatFormats.halfToDouble(FloatFormats.doubleToHalf(Double.NaN))));
        assertTrue(Double.isNaN(FloatFormats.bfloat16ToDouble(FloatFormats.doubleToBfloat16(Double.NaN))));
        double payload = Double.longBitsToDouble(0x7ff0_0000_0000_0001L); // would truncate to infinity
        assertTrue(Double.isNaN(FloatFormats.halfToDouble(FloatFormats.doubleToHalf(payload))));
        assertTrue(Double.isNaN(FloatFormats.bfloat16ToDouble(FloatFormats.doubleToBfloat16(payload))));
        assertEquals(0.1f, FloatFormats.doubleToFloat(0.1));
    }

    @Test
    void roundingPicksTheNearestRepresentableValue() {
        qt().forAll(longs().all()).checkAssert(bits -> {
            double d = Double.longBitsToDouble(bits);
            if (Double.isNaN(d) || Math.abs(d) > 1e6) return;
            double h = FloatFormats.halfToDouble(FloatFormats.doubleToHalf(d));
            short s = FloatFormats.doubleToHalf(d);
            // the neighbours of the result, one half-ulp step either side
            double up = FloatFormats.halfToDouble((short) (s + 1)), down = FloatFormats.halfToDouble((short) (s - 1));
            if (Double.isFinite(h) && Double.isFinite(up) && Double.isFinite(down) && s != 0 && s != (short) 0x8000) {
                assertTrue(Math.abs(h - d) <= Math.abs(up - d) && Math.abs(h - d) <= Math.abs(down - d),
                        () -> d + " rounded to " + h + " but a neighbour is nearer");
            }
        });
    }
}
