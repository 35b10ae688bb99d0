package io.finitegrad.autodiff.ops;

import static io.finitegrad.core.IntervalMath.down;
import static io.finitegrad.core.IntervalMath.up;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.IntervalMath;
import io.finitegrad.core.Precision;
import java.util.EnumSet;

/**
 * Shared pieces of the unary ops' range transfers ({@link Elementwise}). Each op writes its own
 * loop over the elements into a pair of end arrays; these helpers widen ends by ulps, bound
 * products, quotients and constant powers, and build the {@link Range}.
 *
 * <p>Widening: Math.exp, log and pow are documented within 1 ulp and semi-monotonic, tanh within
 * 2.5 ulps; a JIT intrinsic and the interpreter may each be that far from the exact value, so a
 * computed end is widened by twice the documented error ({@link #LIB}) to hold every value either
 * computes. Composite kernels (sigmoid, softplus, the rescaled gradients) get a generous
 * {@link #COMPOSITE}. Correctly rounded operations (+, *, /, sqrt) need no widening when their
 * bound is computed from the same operands: rounding is monotone, so the computed value at an end
 * bounds every computed value between.
 */
final class ElementwiseRanges {
    private ElementwiseRanges() {
    }

    /** Ulps an end of Math.exp, log or pow is widened by. */
    static final int LIB = 2;
    /** Ulps an end of Math.tanh is widened by (2.5 documented, twice). */
    static final int TANH = 6;
    /** Ulps an end of a composite kernel (a few library calls and roundings) is widened by. */
    static final int COMPOSITE = 16;

    private static final double INF = Double.POSITIVE_INFINITY;

    /** {@code k} ulps below {@code v}, not below {@code floor}. */
    static double lower(double v, int k, double floor) {
        return Math.max(down(v, k), floor);
    }

    /** {@code k} ulps above {@code v}, not above {@code ceil}. */
    static double upper(double v, int k, double ceil) {
        return Math.min(up(v, k), ceil);
    }

    /** Whether rounding some end to {@code p} gives an infinity (the engine's rounding then overflows). */
    static boolean infiniteIn(double[] lo, double[] hi, Precision p) {
        for (int k = 0; k < lo.length; k++) {
            if (p.round(lo[k]) == Double.NEGATIVE_INFINITY || p.round(hi[k]) == INF) return true;
        }
        return false;
    }

    /** Whether {@code [lo, hi]} rounded to {@code p} reaches an infinity. */
    static boolean infiniteIn(double lo, double hi, Precision p) {
        return p.round(lo) == Double.NEGATIVE_INFINITY || p.round(hi) == INF;
    }

    /**
     * The range: elements whose ends stayed empty ({@code lo > hi}: only NaN is possible there) get
     * {@code [-Inf, Inf]}.
     */
    static Range range(Interval shape, double[] lo, double[] hi, boolean nan, EnumSet<Cause> causes) {
        for (int k = 0; k < lo.length; k++) {
            if (!(lo[k] <= hi[k])) {
                lo[k] = Double.NEGATIVE_INFINITY;
                hi[k] = INF;
            }
        }
        return Range.of(Interval.taking(shape.rows(), shape.cols(), lo, hi, nan), causes);
    }

    /**
     * The range of an op with the default diagnosis (Diagnosis.generic): an end that rounds to an
     * infinity in {@code p} is {@link Cause#OVERFLOW}, a NaN from finite operands {@link Cause#UNDEFINED}.
     */
    static Range generic(Interval shape, double[] lo, double[] hi, boolean nan, boolean nanFromFinite, Precision p) {
        EnumSet<Cause> causes = EnumSet.noneOf(Cause.class);
        if (infiniteIn(lo, hi, p)) causes.add(Cause.OVERFLOW);
        if (nanFromFinite) causes.add(Cause.UNDEFINED);
        return range(shape, lo, hi, nan, causes);
    }

    /** {@code -a}: exact. */
    static Range negated(Interval a) {
        int n = a.size();
        double[] lo = new double[n], hi = new double[n];
        for (int k = 0; k < n; k++) {
            lo[k] = -a.hi(k);
            hi[k] = -a.lo(k);
        }
        return range(a, lo, hi, a.mayBeNaN(), EnumSet.noneOf(Cause.class));
    }

    /**
     * Scales element k's ends {@code [fl, fh]} (a factor's range) by {@code g}'s element k, widened
     * by {@code ulps}, into {@code lo[k], hi[k]} hulled with what they hold ({@code +Inf, -Inf} for none).
     */
    static void hullTimes(Interval g, int k, double fl, double fh, int ulps, double[] lo, double[] hi) {
        double gl = g.lo(k), gh = g.hi(k);
        lo[k] = Math.min(lo[k], down(IntervalMath.mulLo(gl, gh, fl, fh), ulps));
        hi[k] = Math.max(hi[k], up(IntervalMath.mulHi(gl, gh, fl, fh), ulps));
    }

    /** Fills {@code lo} with +Inf and {@code hi} with -Inf: empty ends that hulls then grow. */
    static void empty(double[] lo, double[] hi) {
        java.util.Arrays.fill(lo, INF);
        java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
    }

    /** Lower bound on every computed {@code a / b} for a in [al, ah], b in [bl, bh] (widest if b may be 0). */
    static double divLo(double al, double ah, double bl, double bh) {
        if (bl <= 0 && bh >= 0) return al == 0 && ah == 0 ? 0 : Double.NEGATIVE_INFINITY;
        return down(Math.min(Math.min(quot(al, bl), quot(al, bh)), Math.min(quot(ah, bl), quot(ah, bh))));
    }

    /** Upper bound on every computed {@code a / b}. */
    static double divHi(double al, double ah, double bl, double bh) {
        if (bl <= 0 && bh >= 0) return al == 0 && ah == 0 ? 0 : INF;
        return up(Math.max(Math.max(quot(al, bl), quot(al, bh)), Math.max(quot(ah, bl), quot(ah, bh))));
    }

    private static double quot(double a, double b) {
        if (Double.isInfinite(a) && Double.isInfinite(b)) return (a > 0) == (b > 0) ? INF : Double.NEGATIVE_INFINITY;
        return a / b;
    }

    /**
     * Whether {@code a / b} can round to an infinity in {@code p} for a in [al, ah] and a non-zero b
     * in [bl, bh] (an overflow, as opposed to a division by 0).
     */
    static boolean quotientOverflows(double al, double ah, double bl, double bh, Precision p) {
        boolean r = false;
        if (bh > 0) {
            double l = Math.max(bl, Double.MIN_VALUE);
            r = infiniteIn(divLo(al, ah, l, bh), divHi(al, ah, l, bh), p);
        }
        if (bl < 0) {
            double h = Math.min(bh, -Double.MIN_VALUE);
            r |= infiniteIn(divLo(al, ah, bl, h), divHi(al, ah, bl, h), p);
        }
        return r;
    }

    /** Whether {@code v} (finite or not) is an integer. */
    static boolean isInteger(double e) {
        return e == Math.rint(e);
    }

    /** Whether the integer {@code e} is odd (every double from 2^53 up is even). */
    static boolean isOdd(double e) {
        return isInteger(e) && Math.abs(e) < 0x1p53 && (((long) e) & 1) != 0;
    }

    /**
     * Bounds on every {@code Math.pow(x, e)} for x in {@code [xl, xh]} (ends may be infinite), into
     * {@code out[0], out[1]} ({@code +Inf, -Inf} when only NaN is possible), widened by {@link #LIB}
     * ulps (pow is within 1 ulp and semi-monotonic). A box that holds 0 also holds -0, so an odd
     * negative e reaches -Inf there. Returns whether NaN is possible: a negative x and a non-integer e.
     */
    static boolean powBounds(double xl, double xh, double e, double[] out) {
        if (e == 0) { // pow(anything, 0) is 1, NaN included
            out[0] = 1;
            out[1] = 1;
            return false;
        }
        boolean integer = isInteger(e), odd = isOdd(e), nan = false;
        double lo = INF, hi = Double.NEGATIVE_INFINITY;
        if (xh >= 0) { // x >= 0 (including -0): monotone in x
            double a = Math.max(xl, 0.0), pa = Math.pow(a, e), pb = Math.pow(xh, e);
            lo = Math.min(pa, pb);
            hi = Math.max(pa, pb);
            if (a == 0 && odd) { // pow(-0, odd) = -0 or -Inf
                if (e < 0) lo = Double.NEGATIVE_INFINITY;
            }
        }
        if (xl < 0) { // x < 0: |x| in [m1, m2]
            double m1 = Math.max(-xh, 0.0), m2 = -xl;
            if (!integer) {
                nan = true;
                if (xl == Double.NEGATIVE_INFINITY) { // pow(-Inf, non-integer) is +Inf or +0
                    double v = Math.pow(xl, e);
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            } else {
                double p1 = Math.pow(m1, e), p2 = Math.pow(m2, e), ml = Math.min(p1, p2), mh = Math.max(p1, p2);
                if (odd) {
                    lo = Math.min(lo, -mh);
                    hi = Math.max(hi, -ml);
                } else {
                    lo = Math.min(lo, ml);
                    hi = Math.max(hi, mh);
                }
            }
        }
        if (lo <= hi) {
            lo = lo >= 0 ? lower(lo, LIB, 0) : down(lo, LIB);
            hi = hi <= 0 ? upper(hi, LIB, 0) : up(hi, LIB);
        }
        out[0] = lo;
        out[1] = hi;
        return nan;
    }

    /**
     * The largest magnitude {@code |x|^e} takes over the non-zero x in {@code [xl, xh]} (0 if there
     * are none), widened: what decides whether pow (or its derivative) overflows other than at 0.
     */
    static double powMagnitudeNonZero(double xl, double xh, double e) {
        boolean zero = xl <= 0 && xh >= 0;
        if (zero && xl == 0 && xh == 0) return 0;
        double big = Math.max(Math.abs(xl), Math.abs(xh));
        double small = zero ? Double.MIN_VALUE : Math.min(Math.abs(xl), Math.abs(xh));
        return up(Math.max(Math.pow(small, e), Math.pow(big, e)), LIB);
    }

    /**
     * {@code v} moved outward by the relative error {@code rel} (and {@code ulps} more), for
     * kernels whose error is relative to the exact value: lower end.
     */
    static double relLo(double v, double rel, int ulps) {
        if (Double.isInfinite(v)) return v;
        return down(v - Math.abs(v) * rel, ulps);
    }

    /** Upper end, as {@link #relLo}. */
    static double relHi(double v, double rel, int ulps) {
        if (Double.isInfinite(v)) return v;
        return up(v + Math.abs(v) * rel, ulps);
    }

    /** The smallest |x| over {@code [xl, xh]}. */
    static double minAbs(double xl, double xh) {
        return xl <= 0 && xh >= 0 ? 0 : Math.min(Math.abs(xl), Math.abs(xh));
    }

    /** The largest |x| over {@code [xl, xh]}. */
    static double maxAbs(double xl, double xh) {
        return Math.max(Math.abs(xl), Math.abs(xh));
    }

    /** The sigmoid's derivative {@code e / (1 + e)^2}, {@code e = exp(-a)}, for a >= 0 (a few ulps). */
    static double sigmoidSlope(double a) {
        double e = Math.exp(-a), q = 1 + e;
        return e / q / q;
    }

    /** tanh's derivative {@code 4 e / (1 + e)^2}, {@code e = exp(-2a)}, for a >= 0 (a few ulps). */
    static double tanhSlope(double a) {
        double e = Math.exp(-2 * a), q = 1 + e;
        return e * (4 / (q * q));
    }
}
