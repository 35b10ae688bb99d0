package io.finitegrad.core;

/**
 * A floating-point format a graph can be computed in: float64 (the default, what the storage is),
 * or float32, bfloat16 and float16 emulated. Emulation is pure-format, like PyTorch's
 * {@code model.half()}, {@code .bfloat16()} or {@code .float()} and unlike autocast: every op
 * computes in double and its result is rounded once to the format (round to nearest, ties to even,
 * from the double directly, never through float). It is scoped per thread:
 *
 * <pre>{@code
 * try (Emulation e = Precision.emulate(Precision.FLOAT16)) {
 *     ... build, backprop and step as usual: every node holds float16 values ...
 * }
 * }</pre>
 *
 * <p>Each constant knows its format's limits ({@link #maxFinite()}, {@link #expOverflow()},
 * {@link #minNormal()}, ...), which the guard, its reports and the analyses quote instead of
 * float64's. Nothing here throws except {@link #parse} and {@link #emulate} on bad arguments.
 */
public enum Precision {
    /** IEEE binary64: 11 exponent bits, 52 fraction bits. Rounding is the identity. */
    FLOAT64("float64", "fp64", 52, -1022, 1023),
    /** IEEE binary32, PyTorch's default dtype: 8 exponent bits, 23 fraction bits. */
    FLOAT32("float32", "fp32", 23, -126, 127),
    /** bfloat16 (the top half of a float32): float32's exponent range, 7 fraction bits. */
    BFLOAT16("bfloat16", "bf16", 7, -126, 127),
    /** IEEE binary16: 5 exponent bits, 10 fraction bits, largest finite 65,504. */
    FLOAT16("float16", "fp16", 10, -14, 15);

    private final String label;
    private final String flag;
    private final int fractionBits;
    private final int minExponent;
    private final int maxExponent;
    private final double maxFinite;
    private final double minNormal;
    private final double minSubnormal;
    private final double expOverflow;
    /** 2^(fraction bits - min exponent): scales the subnormal range onto integers. */
    private final double subnormalScale;
    private final double subnormalStep;
    private final int dropBits;

    Precision(String label, String flag, int fractionBits, int minExponent, int maxExponent) {
        this.label = label;
        this.flag = flag;
        this.fractionBits = fractionBits;
        this.minExponent = minExponent;
        this.maxExponent = maxExponent;
        this.maxFinite = Math.scalb(2.0 - Math.scalb(1.0, -fractionBits), maxExponent);
        this.minNormal = Math.scalb(1.0, minExponent);
        this.minSubnormal = Math.scalb(1.0, minExponent - fractionBits);
        this.expOverflow = Math.log(maxFinite);
        this.subnormalScale = Math.scalb(1.0, fractionBits - minExponent);
        this.subnormalStep = minSubnormal;
        this.dropBits = 52 - fractionBits;
    }

    /** The format's usual name: {@code float64}, {@code float32}, {@code bfloat16}, {@code float16}. */
    public String label() {
        return label;
    }

    /** The short name the command line takes: {@code fp64}, {@code fp32}, {@code bf16}, {@code fp16}. */
    public String flag() {
        return flag;
    }

    /** Explicitly stored significand bits (10 for float16). */
    public int fractionBits() {
        return fractionBits;
    }

    /** The exponent of the smallest normal value (-14 for float16). */
    public int minExponent() {
        return minExponent;
    }

    /** The exponent of the largest finite value (15 for float16). */
    public int maxExponent() {
        return maxExponent;
    }

    /** The largest finite value: 65,504 for float16, about 3.39e38 for bfloat16, 3.40e38 for float32. */
    public double maxFinite() {
        return maxFinite;
    }

    /** The smallest positive normal value (2^-14, about 6.1e-5, for float16). */
    public double minNormal() {
        return minNormal;
    }

    /** The smallest positive (subnormal) value (2^-24, about 6.0e-8, for float16). */
    public double minSubnormal() {
        return minSubnormal;
    }

    /**
     * ln of {@link #maxFinite()}: exp(x) overflows to Infinity for x above it (709.78 in float64,
     * 88.72 in float32 and bfloat16, 11.09 in float16).
     */
    public double expOverflow() {
        return expOverflow;
    }

    /** The distance from 1 to the next value: 2^-fractionBits (9.8e-4 for float16). */
    public double epsilon() {
        return Math.scalb(1.0, -fractionBits);
    }

    /** True for float64, the format the storage has: rounding to it changes nothing. */
    public boolean isNative() {
        return this == FLOAT64;
    }

    /**
     * {@code x} rounded to the nearest value of this format, ties to even; magnitudes at or past the
     * overflow threshold become infinite, NaN and infinities pass through, and zero keeps its sign.
     */
    public double round(double x) {
        switch (this) {
            case FLOAT64:
                return x;
            case FLOAT32:
                return (double) (float) x;
            default:
                return narrow(x);
        }
    }

    private double narrow(double x) {
        if (x != x) return x;
        long bits = Double.doubleToRawLongBits(x);
        int e = (int) ((bits >>> 52) & 0x7FF) - 1023;
        if (e < minExponent) {
            // subnormal in the format (or zero): an integer count of the smallest step; the scalings
            // are by powers of two, exact in double, so rint is the only rounding
            return Math.rint(x * subnormalScale) * subnormalStep;
        }
        // round the fraction to the format's bits, ties to even; a carry into the exponent is the
        // next binade, and an infinity's all-zero fraction is unchanged
        long lsb = (bits >>> dropBits) & 1L;
        long rounded = (bits + ((1L << (dropBits - 1)) - 1) + lsb) & -(1L << dropBits);
        double r = Double.longBitsToDouble(rounded);
        return Math.abs(r) > maxFinite ? Math.copySign(Double.POSITIVE_INFINITY, x) : r;
    }

    /**
     * Rounds the first {@code n} values of {@code d} in place and scans the results, in one pass.
     * Returns a summary to read with {@link #allFinite(long)} and {@link #flushed(long)}: whether
     * every result is finite, and how many non-zero values rounded to zero (underflow). Under
     * float64 nothing is changed and nothing flushes.
     */
    public long roundAndScan(double[] d, int n) {
        if (this == FLOAT64) return FiniteScan.allFinite(d, n) ? 0L : 1L;
        double check = 0;
        long flushed = 0;
        if (this == FLOAT32) {
            for (int i = 0; i < n; i++) {
                double x = d[i];
                double r = (double) (float) x;
                d[i] = r;
                check += r - r;
                flushed += r == 0.0 & x != 0.0 ? 1 : 0;
            }
        } else {
            for (int i = 0; i < n; i++) {
                double x = d[i];
                double r = narrow(x);
                d[i] = r;
                check += r - r;
                flushed += r == 0.0 & x != 0.0 ? 1 : 0;
            }
        }
        return flushed << 1 | (check == check ? 0L : 1L);
    }

    /** {@link #roundAndScan(double[], int)} over a whole matrix. */
    public long roundAndScan(org.ejml.data.DMatrixRMaj m) {
        return roundAndScan(m.data, m.numRows * m.numCols);
    }

    /** From a {@link #roundAndScan} summary: true if every rounded value is finite. */
    public static boolean allFinite(long summary) {
        return (summary & 1L) == 0;
    }

    /** From a {@link #roundAndScan} summary: how many non-zero values rounded to zero. */
    public static long flushed(long summary) {
        return summary >>> 1;
    }

    /**
     * The format named by {@code name}: its flag ({@code fp16}) or label ({@code float16}), any case;
     * {@code half} and {@code float} and {@code double} are accepted as PyTorch spells them.
     *
     * @throws IllegalArgumentException naming the value and the accepted names if none matches
     */
    public static Precision parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(java.util.Locale.ROOT);
            for (Precision p : values()) if (p.flag.equals(n) || p.label.equals(n)) return p;
            switch (n) {
                case "half": return FLOAT16;
                case "float": return FLOAT32;
                case "double": return FLOAT64;
                default: break;
            }
        }
        throw new IllegalArgumentException("precision '" + name + "': expected one of fp64, fp32, bf16, fp16"
                + " (or float64, float32, bfloat16, float16)");
    }

    /** The format this thread computes in: {@link #FLOAT64} unless an {@link #emulate} scope is open. */
    public static Precision current() {
        return PrecisionState.get().precision();
    }

    /**
     * Computes in {@code p} on this thread until the returned scope is closed (nested scopes restore
     * the one they found). Parameters keep float64 master values unless
     * {@link Emulation#roundParameters(boolean)} is switched on.
     *
     * @throws IllegalArgumentException if {@code p} is null
     */
    public static Emulation emulate(Precision p) {
        if (p == null) throw new IllegalArgumentException("Precision.emulate: precision is null");
        return new Emulation(PrecisionState.get(), p);
    }
}
