package io.finitegrad.autodiff.ops;

/**
 * Products and quotients of three or more factors computed so that no intermediate overflows or
 * underflows when the exact result is representable. Each method first tries the plain order of
 * operations and checks that every intermediate stayed normal and finite; only when one did not
 * does it split the operands into mantissas and binary exponents ({@link Math#getExponent},
 * {@link Math#scalb}), multiply the mantissas (all within [2^-52, 2)) and apply the summed exponent
 * once at the end, where {@code scalb} rounds the one true overflow or underflow. The plain path
 * costs one comparison per intermediate, so backward stays as cheap as before on ordinary values.
 * Non-finite or zero operands always take the plain path, whose IEEE result (0 * Inf = NaN, x / 0)
 * is what the guard diagnoses.
 */
final class Scaled {
    private Scaled() {
    }

    private static final double MIN_NORMAL = Double.MIN_NORMAL, MAX = Double.MAX_VALUE;
    private static final double LOG2E = 1.4426950408889634;
    /** ln 2 split (fdlibm): LN2_HI has 32 significant bits, so k * LN2_HI is exact for |k| < 2^21. */
    private static final double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;

    /** True when v is a normal double: finite and not tiny enough to have lost bits. */
    private static boolean normal(double v) {
        double a = Math.abs(v);
        return a >= MIN_NORMAL && a <= MAX;
    }

    /** Finite and non-zero: the only operands for which the scaled path is meaningful. */
    private static boolean usable(double v) {
        return v != 0 && Double.isFinite(v);
    }

    /** Binary exponent of a finite non-zero v ({@code -1023} for subnormals, whose mantissa is then below 1). */
    private static int exponent(double v) {
        return Math.getExponent(v);
    }

    /** {@code v / 2^exponent(v)}: within [1, 2) in magnitude for normals, [2^-52, 1) for subnormals. Exact. */
    private static double mantissa(double v, int e) {
        return Math.scalb(v, -e);
    }

    /**
     * {@code -(g * a) / (b * b)}: the gradient of {@code a / b} with respect to {@code b}, never with
     * {@code b * b} formed (it underflows to 0 for |b| below 1.5e-162, giving -Inf for
     * {@code 1e-170 / 1e-170}). The order {@code -(g * (a / b)) / b} rounds each step once and is
     * taken unless {@code a / b} or {@code g * (a / b)} leaves the normal range, e.g.
     * {@code a = 1e300, b = 1e-10, g = 1e-300}, whose exact gradient is -1e20.
     */
    static double divGradDivisor(double g, double a, double b) {
        double q = a / b, t = g * q, r = -t / b;
        if ((normal(q) && normal(t)) || !usable(g) || !usable(a) || !usable(b)) return r;
        int eg = exponent(g), ea = exponent(a), eb = exponent(b);
        double mb = mantissa(b, eb);
        double m = -(mantissa(g, eg) * (mantissa(a, ea) / mb)) / mb;
        return scalb(m, (long) eg + ea - 2L * eb);
    }

    /**
     * {@code g * p * x^(p-1)}: the gradient of {@code x^p}. When {@code x^(p-1)} or {@code p * x^(p-1)}
     * is not normal (a tiny x with a negative exponent, a huge x with a large one), the product is
     * formed in the log2 domain with the integer part of the exponent kept apart, so the result
     * keeps about 15 significant digits for moderate p.
     */
    static double powGrad(double g, double p, double x) {
        double v = Math.pow(x, p - 1), w = p * v, r = g * w;
        if ((normal(v) && normal(w)) || !usable(g) || !usable(x) || Double.isNaN(v)) return r;
        double pm1 = p - 1;
        boolean negative = (g < 0) != (p < 0);
        if (x < 0 && Math.rint(pm1 / 2) != pm1 / 2) negative = !negative; // odd integer power of a negative
        int ex = exponent(x), eg = exponent(g);
        double whole = pm1 * ex; // exact for the short exponents pow is used with (2, 0.5, -1.5, ...)
        double wholeFloor = Math.floor(whole);
        double rest = (whole - wholeFloor) + log2(Math.abs(mantissa(g, eg))) + log2(Math.abs(p))
                + pm1 * log2(Math.abs(mantissa(x, ex)));
        double restFloor = Math.floor(rest);
        double k = wholeFloor + restFloor + eg;
        double m = Math.pow(2, rest - restFloor);
        return scalb(negative ? -m : m, (long) k);
    }

    /** Beyond this |z|, {@code g * e^z} is 0 or infinite for every finite non-zero g. */
    private static final double EXP_RANGE = 2 * (Double.MAX_EXPONENT + 53) / LOG2E;

    /**
     * {@code g * e^z}, where {@code e^z} alone may underflow (z below about -708) or overflow (above
     * 709.78) although the product with g is representable: e.g. the sigmoid's derivative at x = -800
     * times an upstream gradient of 1e300.
     */
    static double timesExp(double g, double z) {
        if ((z > -700 && z < 700) || g == 0 || !Double.isFinite(g) || Double.isNaN(z)) return g * Math.exp(z);
        if (z < -EXP_RANGE) return g * 0.0;
        if (z > EXP_RANGE) return g * Double.POSITIVE_INFINITY;
        double k = Math.rint(z * LOG2E);
        double r = (z - k * LN2_HI) - k * LN2_LO; // |r| <= ln2 / 2, so exp(r) is in [0.7, 1.42]
        int eg = exponent(g);
        return scalb(mantissa(g, eg) * Math.exp(r), (long) k + eg);
    }

    private static double log2(double v) {
        return Math.log(v) * LOG2E;
    }

    /**
     * {@code m * 2^k} for any long k: {@code Math.scalb} clamps its int scale, so a scale far outside
     * the double range still gives the right infinity or zero, and the rounding happens once.
     */
    private static double scalb(double m, long k) {
        int clamped = (int) Math.max(-4 * Double.MAX_EXPONENT, Math.min(4 * Double.MAX_EXPONENT, k));
        return Math.scalb(m, clamped);
    }
}
