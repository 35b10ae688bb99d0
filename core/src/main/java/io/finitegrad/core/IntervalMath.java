package io.finitegrad.core;

/**
 * Sound interval arithmetic on the ends of one element, for the ops' range transfers. Java rounds
 * to nearest and has no directed rounding, so each end of a correctly rounded operation is moved
 * one ulp outward ({@link #down}, {@link #up}): the exact result lies within one ulp of the
 * computed one, so the widened ends enclose it, and the double the op computes (the correctly
 * rounded exact result) too. Ends follow the extended reals: {@code 0 * Inf} is taken as 0 for a
 * bound (the NaN that the real operation gives there is the transfer's to report, as a cause),
 * and a sum of opposite infinities is the widest bound.
 */
public final class IntervalMath {
    private IntervalMath() {
    }

    /** One ulp below {@code x} ({@code -Inf} stays; NaN, a sum of opposite infinities, is {@code -Inf}). */
    public static double down(double x) {
        return x != x ? Double.NEGATIVE_INFINITY : Math.nextDown(x);
    }

    /** One ulp above {@code x} ({@code +Inf} stays; NaN is {@code +Inf}). */
    public static double up(double x) {
        return x != x ? Double.POSITIVE_INFINITY : Math.nextUp(x);
    }

    /** {@code k} ulps below {@code x}: the lower end of a function with an error of k ulps. */
    public static double down(double x, int k) {
        for (int i = 0; i < k; i++) x = down(x);
        return x;
    }

    /** {@code k} ulps above {@code x}. */
    public static double up(double x, int k) {
        for (int i = 0; i < k; i++) x = up(x);
        return x;
    }

    /** A product of two ends with {@code 0 * Inf = 0} (a bound, not a value). */
    public static double times(double a, double b) {
        return a == 0 || b == 0 ? 0 : a * b;
    }

    /** Lower end of {@code [al, ah] * [bl, bh]}, rounded outward (not moved where the product is exact). */
    public static double mulLo(double al, double ah, double bl, double bh) {
        return Math.min(Math.min(prodLo(al, bl), prodLo(al, bh)), Math.min(prodLo(ah, bl), prodLo(ah, bh)));
    }

    /** Upper end of {@code [al, ah] * [bl, bh]}, rounded outward. */
    public static double mulHi(double al, double ah, double bl, double bh) {
        return Math.max(Math.max(prodHi(al, bl), prodHi(al, bh)), Math.max(prodHi(ah, bl), prodHi(ah, bh)));
    }

    /** A lower bound on the exact product {@code a * b} ({@code 0 * Inf = 0}). */
    public static double prodLo(double a, double b) {
        if (a == 0 || b == 0) return 0;
        double p = a * b;
        return Double.isFinite(p) && Math.abs(p) >= 0x1p-960 && Math.fma(a, b, -p) >= 0 ? p : down(p);
    }

    /** An upper bound on the exact product {@code a * b}. */
    public static double prodHi(double a, double b) {
        if (a == 0 || b == 0) return 0;
        double p = a * b;
        return Double.isFinite(p) && Math.abs(p) >= 0x1p-960 && Math.fma(a, b, -p) <= 0 ? p : up(p);
    }

    /**
     * The ends of {@code [al, ah] / [bl, bh]}, rounded outward, as {@code {lo, hi}}. A divisor
     * interval that contains 0 gives the widest bound on the side(s) it reaches (the division by
     * zero itself is the transfer's to report).
     */
    public static double[] div(double al, double ah, double bl, double bh) {
        if (bl <= 0 && bh >= 0) {
            if (al == 0 && ah == 0) return new double[] {0, 0}; // 0 / y is 0 (or NaN at y = 0: reported)
            return new double[] {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
        }
        double q1 = quot(al, bl), q2 = quot(al, bh), q3 = quot(ah, bl), q4 = quot(ah, bh);
        double lo = Math.min(Math.min(q1, q2), Math.min(q3, q4)), hi = Math.max(Math.max(q1, q2), Math.max(q3, q4));
        return new double[] {lo == 0 ? (al == 0 && ah == 0 ? 0 : -Double.MIN_VALUE) : down(lo),
            hi == 0 ? (al == 0 && ah == 0 ? 0 : Double.MIN_VALUE) : up(hi)};
    }

    // an end quotient in the extended reals: inf / inf is bounded by the widest end of its sign
    private static double quot(double a, double b) {
        if (Double.isInfinite(a) && Double.isInfinite(b)) {
            return Math.signum(a) * Math.signum(b) > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        return a / b;
    }

    /** A lower bound on the exact sum {@code a + b} (not moved where the sum is exact). */
    public static double addLo(double a, double b) {
        double s = a + b;
        return Double.isFinite(s) && sumError(a, b, s) >= 0 ? s : down(s);
    }

    /** An upper bound on the exact sum {@code a + b}. */
    public static double addHi(double a, double b) {
        double s = a + b;
        return Double.isFinite(s) && sumError(a, b, s) <= 0 ? s : up(s);
    }

    /** A lower bound on the exact difference {@code a - b}. */
    public static double subLo(double a, double b) {
        return addLo(a, -b);
    }

    /** An upper bound on the exact difference {@code a - b}. */
    public static double subHi(double a, double b) {
        return addHi(a, -b);
    }

    // Knuth's TwoSum: (a + b) - s exactly, for a finite s
    private static double sumError(double a, double b, double s) {
        double bb = s - a;
        return (a - (s - bb)) + (b - bb);
    }

    /**
     * The a-priori error factor γ_n = n u / (1 - n u) (u = 2^-53) of a sum or dot product of n
     * terms in any order (Higham, Accuracy and Stability of Numerical Algorithms, 3.1): the computed
     * sum differs from the exact one by at most γ_{n-1} Σ|terms|. Rounded up, and infinite when
     * n u reaches 1.
     */
    public static double gamma(long n) {
        double nu = n * 0x1.0p-53;
        return nu >= 1 ? Double.POSITIVE_INFINITY : up(up(nu) / down(1 - nu));
    }
}
