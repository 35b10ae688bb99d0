package io.finitegrad.core;

/**
 * Conversions between double and the narrow IEEE-style formats checkpoints and mixed-precision
 * work use: float16 (IEEE binary16: 1 sign, 5 exponent, 10 fraction bits) and bfloat16 (1 sign,
 * 8 exponent, 7 fraction bits, the top half of a float). Decoding is exact (every value of both
 * formats is a double). Encoding rounds once, from the double itself, to the nearest value with
 * ties to even, the IEEE default; magnitudes past the largest finite value round to infinity, NaN
 * stays NaN (a quiet NaN of the same sign; payloads are not kept), and signed zero keeps its sign.
 * None of these methods throws.
 */
public final class FloatFormats {
    private static final int HALF_FRACTION = 10, HALF_BIAS = 15;
    private static final int BF16_FRACTION = 7, BF16_BIAS = 127;

    private FloatFormats() {
    }

    /** The value of the float16 with bits {@code bits}. */
    public static double halfToDouble(short bits) {
        return decode(bits, HALF_FRACTION, HALF_BIAS);
    }

    /** The value of the bfloat16 with bits {@code bits}. */
    public static double bfloat16ToDouble(short bits) {
        return decode(bits, BF16_FRACTION, BF16_BIAS);
    }

    /** {@code d} rounded to the nearest float16 (ties to even), as bits. */
    public static short doubleToHalf(double d) {
        return encode(d, HALF_FRACTION, HALF_BIAS);
    }

    /**
     * {@code d} rounded to the nearest bfloat16 (ties to even), as bits. Rounded directly from the
     * double: going through float first would round twice and can miss the nearest value.
     */
    public static short doubleToBfloat16(double d) {
        return encode(d, BF16_FRACTION, BF16_BIAS);
    }

    /** {@code d} rounded to the nearest float (ties to even): Java's {@code (float) d}, named for symmetry. */
    public static float doubleToFloat(double d) {
        return (float) d;
    }

    private static double decode(short bits, int fraction, int bias) {
        int b = bits & 0xFFFF;
        int expMask = (1 << (15 - fraction)) - 1;
        int exp = (b >>> fraction) & expMask;
        int frac = b & ((1 << fraction) - 1);
        double sign = (b & 0x8000) != 0 ? -1.0 : 1.0;
        if (exp == expMask) return frac == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        if (exp == 0) return sign * Math.scalb((double) frac, 1 - bias - fraction);
        return sign * Math.scalb((double) (frac | (1 << fraction)), exp - bias - fraction);
    }

    private static short encode(double d, int fraction, int bias) {
        int sign = (Double.doubleToRawLongBits(d) < 0) ? 0x8000 : 0;
        int expAllOnes = ((1 << (15 - fraction)) - 1) << fraction;
        if (Double.isNaN(d)) return (short) (sign | expAllOnes | (1 << (fraction - 1)));
        double a = Math.abs(d);
        int minNormalExp = 1 - bias;
        if (a < Math.scalb(1.0, minNormalExp)) {
            // subnormal: a count of the smallest step; a carry to 1 << fraction is the smallest normal
            long steps = (long) Math.rint(Math.scalb(a, fraction - minNormalExp));
            return (short) (sign | steps);
        }
        int e = Math.getExponent(a);
        if (e > bias) return (short) (sign | expAllOnes);
        long m = (long) Math.rint(Math.scalb(a, fraction - e)); // exact scaling, then one rounding
        if (m == 2L << fraction) {
            e++;
            m = 1L << fraction;
        }
        if (e > bias) return (short) (sign | expAllOnes);
        return (short) (sign | ((e + bias) << fraction) | (m - (1L << fraction)));
    }
}
