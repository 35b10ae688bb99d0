package io.finitegrad.autodiff.ops;

import static io.finitegrad.core.IntervalMath.down;
import static io.finitegrad.core.IntervalMath.up;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.IntervalMath;
import java.util.EnumSet;

/**
 * Range-transfer helpers of the ops that are not unary: broadcast binary ends, sums with Higham's
 * a-priori error (the kernels add in an order of their choosing, BLAS with FMA), and the box
 * reshapings (the interval matrix product is core's {@code IntervalGemm}).
 */
final class Ranges {
    private Ranges() {
    }

    /** Relative slack for a few correctly rounded steps after a library function (exp, log): 64 ulps. */
    static final double SLACK = 0x1.0p-46;
    /** Absolute slack for results that may pass through the subnormal range. */
    static final double TINY = 0x1.0p-1000;

    static boolean finite(Interval... xs) {
        for (Interval x : xs) if (!x.isFinite()) return false;
        return true;
    }

    /** Element (r, c) of a box broadcast to more rows or columns. */
    static int at(Interval x, int r, int c) {
        return (x.rows() == 1 ? 0 : r) * x.cols() + (x.cols() == 1 ? 0 : c);
    }

    /** A box with the given ends, and OVERFLOW (and, for NaN-capable results, UNDEFINED) if it reaches an infinity. */
    static Range result(int rows, int cols, double[] lo, double[] hi, boolean nan, Cause... ifInfinite) {
        Interval v = Interval.taking(rows, cols, lo, hi, nan);
        if (v.isFinite()) return Range.of(v);
        EnumSet<Cause> c = EnumSet.noneOf(Cause.class);
        for (Cause k : ifInfinite) c.add(k);
        return Range.of(v, c);
    }

    /** Anything, NaN included, shaped rows x cols: for operands that already hold a non-finite value. */
    static Range anything(int rows, int cols) {
        return Range.of(Interval.unknown(rows, cols));
    }

    /**
     * Sums of the terms {@code [lo, hi]} (rows x cols) over broadcast dimensions down to
     * toRows x toCols, each scaled by {@code scale} (1, or 1/n for a mean). With no dimension to sum
     * (same shape, scale 1) the ends are copied exactly.
     */
    static Interval reduce(double[] lo, double[] hi, int rows, int cols, int toRows, int toCols, double scale, boolean nan) {
        if (rows == toRows && cols == toCols && scale == 1) return Interval.taking(rows, cols, lo, hi, nan);
        double[] sl = new double[toRows * toCols], sh = new double[toRows * toCols], mag = new double[toRows * toCols];
        boolean[] signed = new boolean[toRows * toCols]; // some term may be negative
        int n = (toRows == rows ? 1 : rows) * (toCols == cols ? 1 : cols);
        if (n > 1) {
            // infinite terms of opposite signs sum to NaN
            for (int k = 0; k < lo.length && !nan; k++) nan = lo[k] == Double.NEGATIVE_INFINITY || hi[k] == Double.POSITIVE_INFINITY;
        }
        for (int r = 0; r < rows; r++) {
            int tr = toRows == 1 ? 0 : r;
            for (int c = 0; c < cols; c++) {
                int t = tr * toCols + (toCols == 1 ? 0 : c), k = r * cols + c;
                double l = lo[k] * scale, h = hi[k] * scale;
                sl[t] += l;
                signed[t] |= l < 0;
                sh[t] += h;
                mag[t] += Math.max(Math.abs(l), Math.abs(h));
            }
        }
        // each end sum is itself computed, as is the kernel's own sum: both within gamma_(n+1) of exact
        double gamma = IntervalMath.gamma(n + 2L);
        for (int t = 0; t < sl.length; t++) {
            double err = up(up(2 * gamma * up(mag[t] * (1 + 2 * gamma))) + (n + 2) * 4 * Double.MIN_VALUE + (scale != 1 ? TINY : 0));
            // a computed sum of terms that are all >= 0 is >= 0, whatever the order
            sl[t] = signed[t] ? down(sl[t] - err) : Math.max(0, down(sl[t] - err));
            sh[t] = up(sh[t] + err);
        }
        return Interval.taking(toRows, toCols, sl, sh, nan);
    }

    /** The ends of {@code a (op) b} with broadcasting: 0 add, 1 sub, 2 mul, 3 div. */
    static double[][] binary(int code, Interval a, Interval b, int rows, int cols) {
        double[] lo = new double[rows * cols], hi = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = at(a, r, c), j = at(b, r, c), o = r * cols + c;
                double al = a.lo(i), ah = a.hi(i), bl = b.lo(j), bh = b.hi(j);
                switch (code) {
                    case 0 -> { lo[o] = IntervalMath.addLo(al, bl); hi[o] = IntervalMath.addHi(ah, bh); }
                    case 1 -> { lo[o] = IntervalMath.subLo(al, bh); hi[o] = IntervalMath.subHi(ah, bl); }
                    case 2 -> { lo[o] = IntervalMath.mulLo(al, ah, bl, bh); hi[o] = IntervalMath.mulHi(al, ah, bl, bh); }
                    default -> {
                        double[] q = IntervalMath.div(al, ah, bl, bh);
                        lo[o] = q[0];
                        hi[o] = q[1];
                    }
                }
            }
        }
        return new double[][] {lo, hi};
    }

    /** A box's transpose (exact). */
    static Interval transpose(Interval x) {
        int rows = x.cols(), cols = x.rows();
        double[] lo = new double[x.size()], hi = new double[x.size()];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                lo[r * cols + c] = x.lo(c * x.cols() + r);
                hi[r * cols + c] = x.hi(c * x.cols() + r);
            }
        }
        return Interval.taking(rows, cols, lo, hi, x.mayBeNaN());
    }

    /** Rows [from, to) and columns [c0, c1) of a box. */
    static Interval extract(Interval x, int r0, int r1, int c0, int c1) {
        int rows = r1 - r0, cols = c1 - c0;
        double[] lo = new double[rows * cols], hi = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                lo[r * cols + c] = x.lo((r + r0) * x.cols() + c + c0);
                hi[r * cols + c] = x.hi((r + r0) * x.cols() + c + c0);
            }
        }
        return Interval.taking(rows, cols, lo, hi, x.mayBeNaN());
    }

    /** A rows x cols box of zeros with {@code part} at (r0, c0): a slice's gradient. */
    static Interval insert(Interval part, int rows, int cols, int r0, int c0) {
        double[] lo = new double[rows * cols], hi = new double[rows * cols];
        for (int r = 0; r < part.rows(); r++) {
            for (int c = 0; c < part.cols(); c++) {
                lo[(r + r0) * cols + c + c0] = part.lo(r * part.cols() + c);
                hi[(r + r0) * cols + c + c0] = part.hi(r * part.cols() + c);
            }
        }
        return Interval.taking(rows, cols, lo, hi, part.mayBeNaN());
    }

    /** Boxes stacked: by rows when {@code rowsWise}, else side by side. */
    static Interval concat(Interval[] xs, boolean rowsWise) {
        int rows = rowsWise ? 0 : xs[0].rows(), cols = rowsWise ? xs[0].cols() : 0;
        for (Interval x : xs) {
            if (rowsWise) rows += x.rows();
            else cols += x.cols();
        }
        double[] lo = new double[rows * cols], hi = new double[rows * cols];
        boolean nan = false;
        int at = 0;
        for (Interval x : xs) {
            nan |= x.mayBeNaN();
            for (int r = 0; r < x.rows(); r++) {
                for (int c = 0; c < x.cols(); c++) {
                    int o = rowsWise ? (r + at) * cols + c : r * cols + c + at;
                    lo[o] = x.lo(r * x.cols() + c);
                    hi[o] = x.hi(r * x.cols() + c);
                }
            }
            at += rowsWise ? x.rows() : x.cols();
        }
        return Interval.taking(rows, cols, lo, hi, nan);
    }
}
