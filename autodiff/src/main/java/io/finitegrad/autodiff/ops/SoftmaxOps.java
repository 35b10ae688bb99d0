package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.IntervalMath;
import io.finitegrad.core.Precision;
import io.finitegrad.core.StableKernels;
import org.ejml.data.DMatrixRMaj;

/** Row-wise softmax, log-softmax and log-sum-exp in their stable (max-shifted) forms. */
public final class SoftmaxOps {
    private SoftmaxOps() {
    }

    /**
     * The max-shifted forms give NaN only on rows the guard was told to allow (a -Inf attention
     * mask): a row holding +Inf, or entirely -Inf, computes its max minus itself, Inf - Inf.
     */
    static Diagnosis rowDiagnosis(Fault f) {
        if (f.backward()) return Diagnosis.generic(f);
        DMatrixRMaj x = f.operandValue(0);
        boolean allNegInf = true, posInf = false;
        for (int c = 0, o = f.row() * x.numCols; c < x.numCols; c++) {
            double v = x.data[o + c];
            allNegInf &= v == Double.NEGATIVE_INFINITY;
            posInf |= v == Double.POSITIVE_INFINITY;
        }
        String row = "row " + f.row() + " of '" + f.operandName(0) + "'";
        if (allNegInf) return new Diagnosis(Cause.INF_MINUS_INF, row + " is entirely -Infinity (every element"
                + " masked): the max shift computes -Inf - (-Inf) = NaN", "leave at least one element of each row"
                + " unmasked, or mask with a large finite negative (" + InFormat.mask(f.precision()) + ") instead of -Infinity");
        if (posInf) return Diagnosis.of(Cause.INF_MINUS_INF, row + " holds +Infinity: the max shift computes"
                + " +Inf - (+Inf) = NaN");
        return Diagnosis.generic(f);
    }


    /** Row r's log-sum-exp of the ends {@code v} (row-major, cols wide), rounded down or up by {@link Ranges#SLACK}. */
    static double lse(Interval x, int r, boolean upper) {
        int cols = x.cols(), o = r * cols;
        double m = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) m = Math.max(m, upper ? x.hi(o + c) : x.lo(o + c));
        double sum = 0;
        for (int c = 0; c < cols; c++) sum += Math.exp((upper ? x.hi(o + c) : x.lo(o + c)) - m);
        // the shifted sum lies in [1, cols]: its log is at most log(cols) and is off by a few ulps of that
        double l = m + Math.log(sum);
        // each shifted term is off by at most (|x - m| + 1) u relative, i.e. u absolute, so the sum is off by
        // about 2 cols u relative (it is at least 1), and the log by as much
        double slack = (Math.abs(m) + Math.log(cols) + 1) * Ranges.SLACK + 4 * IntervalMath.gamma(2L * cols + 4);
        return upper ? IntervalMath.up(l + slack) : IntervalMath.down(l - slack);
    }

    /** The softmax of a row whose elements lie in their boxes, per element, with the kernel's rounding allowed for. */
    static Range softmaxRange(Interval x) {
        int rows = x.rows(), cols = x.cols();
        double[] lo = new double[x.size()], hi = new double[x.size()];
        for (int r = 0; r < rows; r++) {
            double lseHi = lse(x, r, true), lseLo = lse(x, r, false);
            for (int c = 0; c < cols; c++) {
                int k = r * cols + c;
                // y = exp(x - lse(x)): at least exp(lo - lse(hi)), at most exp(hi - lse(lo)), never above 1
                double al = IntervalMath.subLo(x.lo(k), lseHi), ah = IntervalMath.subHi(x.hi(k), lseLo);
                // the kernel's exp(x - max) is off by up to |x - max| u relative: allow that and exp's own error
                double rl = Ranges.SLACK + (Math.abs(al) + 2) * 0x1.0p-50, rh = Ranges.SLACK + (Math.abs(ah) + 2) * 0x1.0p-50;
                double l = Math.exp(al), h = Math.exp(ah);
                lo[k] = Math.max(0, l * (1 - rl) - Ranges.TINY);
                hi[k] = Math.min(1 + Ranges.SLACK, h * (1 + rh) + Ranges.TINY);
            }
        }
        return Range.of(Interval.taking(rows, cols, lo, hi, false));
    }

    /** exp's relative error at an argument that was itself rounded: its own ulps and |arg| u. */
    static double rel(double arg) {
        return Ranges.SLACK + (Math.abs(arg) + 2) * 0x1.0p-50;
    }

    private static double slack(double v) {
        return Math.abs(v) * Ranges.SLACK + Ranges.TINY;
    }

    /**
     * Row-wise softmax. VJP: {@code y * g - y * sum(g * y)} per row, each product formed before the
     * difference: {@code g - sum(g * y)} alone overflows when g holds huge values of both signs
     * although y times it is representable, and the sum is bounded by max |g| because y sums to 1.
     */
    public static final class Softmax implements Op {
        public String name() { return "softmax"; }
        @Override public Range forwardRange(Interval[] x, Precision p) {
            return Ranges.finite(x) ? softmaxRange(x[0]) : Ranges.anything(x[0].rows(), x[0].cols());
        }
        /** {@code y g - y dot}, dot = sum(g y) per row; y within [0, 1]. */
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            if (!Ranges.finite(y, g)) return Ranges.anything(y.rows(), y.cols());
            int rows = y.rows(), cols = y.cols();
            double[] lo = new double[y.size()], hi = new double[y.size()];
            for (int r = 0; r < rows; r++) {
                double dl = 0, dh = 0, mag = 0;
                for (int c = 0; c < cols; c++) {
                    int k = r * cols + c;
                    double yl = Math.max(0, y.lo(k)), yh = y.hi(k);
                    double pl = IntervalMath.mulLo(g.lo(k), g.hi(k), yl, yh), ph = IntervalMath.mulHi(g.lo(k), g.hi(k), yl, yh);
                    dl += pl;
                    dh += ph;
                    mag += Math.max(Math.abs(pl), Math.abs(ph));
                }
                double err = 2 * IntervalMath.gamma(cols + 2L) * mag * (1 + Ranges.SLACK) + Ranges.TINY;
                dl = IntervalMath.down(dl - err);
                dh = IntervalMath.up(dh + err);
                for (int c = 0; c < cols; c++) {
                    int k = r * cols + c;
                    double yl = Math.max(0, y.lo(k)), yh = y.hi(k);
                    double al = IntervalMath.mulLo(yl, yh, g.lo(k), g.hi(k)), ah = IntervalMath.mulHi(yl, yh, g.lo(k), g.hi(k));
                    double bl = IntervalMath.mulLo(yl, yh, dl, dh), bh = IntervalMath.mulHi(yl, yh, dl, dh);
                    lo[k] = IntervalMath.subLo(al, bh);
                    hi[k] = IntervalMath.subHi(ah, bl);
                }
            }
            Interval v = Interval.taking(rows, cols, lo, hi, false);
            return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW, Cause.UNDEFINED);
        }
        public Diagnosis diagnose(Fault f) { return rowDiagnosis(f); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.softmax(x[0], Results.scratch(x[0].numRows, x[0].numCols)); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(y.numRows, y.numCols);
            int cols = y.numCols;
            for (int r = 0; r < y.numRows; r++) {
                int o = r * cols;
                double dot = 0;
                for (int c = 0; c < cols; c++) dot += g.data[o + c] * y.data[o + c];
                for (int c = 0; c < cols; c++) {
                    double yc = y.data[o + c];
                    d.data[o + c] = yc * g.data[o + c] - yc * dot;
                }
            }
            return d;
        }
    }

    /**
     * Row-wise log-softmax. VJP: {@code g - softmax(x) * sum(g)} per row. When the row sum of g
     * overflows (huge gradients whose exact VJP is representable) the row is redone with g scaled
     * down by a power of two, which is exact, and the result scaled back.
     */
    public static final class LogSoftmax implements Op {
        public String name() { return "logSoftmax"; }
        /** {@code x - lse(x)}: at least lo - lse(hi), at most hi - lse(lo), never above 0. */
        @Override public Range forwardRange(Interval[] x, Precision p) {
            if (!Ranges.finite(x)) return Ranges.anything(x[0].rows(), x[0].cols());
            Interval a = x[0];
            int rows = a.rows(), cols = a.cols();
            double[] lo = new double[a.size()], hi = new double[a.size()];
            for (int r = 0; r < rows; r++) {
                double lseHi = lse(a, r, true), lseLo = lse(a, r, false);
                for (int c = 0; c < cols; c++) {
                    int k = r * cols + c;
                    double l = a.lo(k) - lseHi, h = a.hi(k) - lseLo;
                    lo[k] = IntervalMath.down(l - slack(Math.max(Math.abs(a.lo(k)), Math.abs(lseHi))));
                    hi[k] = Math.min(0, IntervalMath.up(h + slack(Math.max(Math.abs(a.hi(k)), Math.abs(lseLo)))));
                }
            }
            return Range.of(Interval.taking(rows, cols, lo, hi, false));
        }
        /** {@code g - exp(y) sum(g)} per row, exp(y) within [0, 1]. */
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            if (!Ranges.finite(y, g)) return Ranges.anything(y.rows(), y.cols());
            int rows = y.rows(), cols = y.cols();
            double[] lo = new double[y.size()], hi = new double[y.size()];
            for (int r = 0; r < rows; r++) {
                double sl = 0, sh = 0, mag = 0;
                for (int c = 0; c < cols; c++) {
                    sl += g.lo(r * cols + c);
                    sh += g.hi(r * cols + c);
                    mag += Math.max(Math.abs(g.lo(r * cols + c)), Math.abs(g.hi(r * cols + c)));
                }
                double err = 2 * IntervalMath.gamma(cols + 2L) * mag * (1 + Ranges.SLACK) + Ranges.TINY;
                sl = IntervalMath.down(sl - err);
                sh = IntervalMath.up(sh + err);
                for (int c = 0; c < cols; c++) {
                    int k = r * cols + c;
                    double el = Math.max(0, Math.exp(y.lo(k)) * (1 - rel(y.lo(k))) - Ranges.TINY);
                    double eh = Math.min(1, Math.exp(y.hi(k)) * (1 + rel(y.hi(k))) + Ranges.TINY);
                    double bl = IntervalMath.mulLo(el, eh, sl, sh), bh = IntervalMath.mulHi(el, eh, sl, sh);
                    double l = IntervalMath.subLo(g.lo(k), bh), h = IntervalMath.subHi(g.hi(k), bl);
                    // the rescaled path for an overflowing row sum rounds a few more times
                    lo[k] = l - slack(l);
                    hi[k] = h + slack(h);
                }
            }
            Interval v = Interval.taking(rows, cols, lo, hi, false);
            return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW, Cause.UNDEFINED);
        }
        public Diagnosis diagnose(Fault f) { return rowDiagnosis(f); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.logSoftmax(x[0], Results.scratch(x[0].numRows, x[0].numCols)); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(y.numRows, y.numCols);
            int cols = y.numCols;
            for (int r = 0; r < y.numRows; r++) {
                int o = r * cols;
                double sum = 0;
                for (int c = 0; c < cols; c++) sum += g.data[o + c];
                if (Double.isInfinite(sum) && finiteRow(g.data, o, cols)) {
                    scaledRow(g.data, y.data, d.data, o, cols);
                    continue;
                }
                for (int c = 0; c < cols; c++) d.data[o + c] = g.data[o + c] - Math.exp(y.data[o + c]) * sum;
            }
            return d;
        }

        private static boolean finiteRow(double[] g, int o, int cols) {
            for (int c = 0; c < cols; c++) if (!Double.isFinite(g[o + c])) return false;
            return true;
        }

        /** The row's VJP with g scaled by 2^-(cols' bit length + 1), so the sum cannot overflow. */
        private static void scaledRow(double[] g, double[] y, double[] d, int o, int cols) {
            int shift = 33 - Integer.numberOfLeadingZeros(cols);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.scalb(g[o + c], -shift);
            for (int c = 0; c < cols; c++) {
                d[o + c] = Math.scalb(Math.scalb(g[o + c], -shift) - Math.exp(y[o + c]) * sum, shift);
            }
        }
    }

    /** Row-wise log-sum-exp, rows x 1. VJP: {@code g * softmax(x)} per row. */
    public static final class LogSumExp implements Op {
        public String name() { return "logSumExp"; }
        @Override public Range forwardRange(Interval[] x, Precision p) {
            if (!Ranges.finite(x)) return Ranges.anything(x[0].rows(), 1);
            double[] lo = new double[x[0].rows()], hi = new double[x[0].rows()];
            for (int r = 0; r < lo.length; r++) {
                lo[r] = lse(x[0], r, false);
                hi[r] = lse(x[0], r, true);
            }
            Interval v = Interval.taking(lo.length, 1, lo, hi, false);
            return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW);
        }
        /** {@code g exp(x - y)}: the computed log-sum-exp is never below an element, so the factor is within [0, 1]. */
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            if (!Ranges.finite(x[0], y, g)) return Ranges.anything(x[0].rows(), x[0].cols());
            Interval a = x[0];
            int rows = a.rows(), cols = a.cols();
            double[] lo = new double[a.size()], hi = new double[a.size()];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int k = r * cols + c;
                    double al = IntervalMath.subLo(a.lo(k), y.hi(r)), ah = IntervalMath.subHi(a.hi(k), y.lo(r));
                    double el = Math.max(0, Math.exp(al) * (1 - rel(al)) - Ranges.TINY);
                    double eh = Math.min(1, Math.exp(ah) * (1 + rel(ah)) + Ranges.TINY);
                    lo[k] = IntervalMath.mulLo(g.lo(r), g.hi(r), el, eh);
                    hi[k] = IntervalMath.mulHi(g.lo(r), g.hi(r), el, eh);
                }
            }
            return Range.of(Interval.taking(rows, cols, lo, hi, false));
        }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.logSumExp(x[0], Results.scratch(x[0].numRows, 1)); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj a = x[0], d = Results.scratch(a.numRows, a.numCols);
            int cols = a.numCols;
            for (int r = 0; r < a.numRows; r++) {
                int o = r * cols;
                for (int c = 0; c < cols; c++) d.data[o + c] = g.data[r] * Math.exp(a.data[o + c] - y.data[r]);
            }
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            DMatrixRMaj a = f.operandValue(0);
            int r = f.row(), cols = a.numCols;
            for (int c = 0; c < cols; c++) if (a.data[r * cols + c] != Double.NEGATIVE_INFINITY) return Diagnosis.generic(f);
            return Diagnosis.of(Cause.FULLY_MASKED_ROW, "row " + r + " of '" + f.operandName(0) + "' has no finite entry"
                    + " (all " + cols + " are -Infinity)" + (f.backward() ? ": the gradient exp(x - logSumExp) is"
                    + " exp(-Inf - -Inf) = NaN" : ""));
        }
    }
}
