package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/** Sums and means over all elements, each row, or each column. */
public final class Reductions {
    private Reductions() {
    }

    /** A sum of finite terms can only fail by overflowing: to Inf, or to NaN when both signs overflow. */
    static Diagnosis sumDiagnosis(Fault f, double[] terms, int from, int count, int stride) {
        double pos = 0, neg = 0, biggest = 0;
        for (int k = 0; k < count; k++) {
            double v = terms[from + k * stride];
            if (v > 0) pos += v; else neg += v;
            if (Math.abs(v) > Math.abs(biggest)) biggest = v;
        }
        String detail = count + " finite terms, largest " + biggest + ": positive terms sum to " + pos
                + ", negative to " + neg;
        if (Double.isNaN(f.badValue())) return Diagnosis.of(Cause.INF_MINUS_INF, detail + ", and +Inf + -Inf is NaN");
        return Diagnosis.of(Cause.OVERFLOW, detail + ": the sum left " + InFormat.range(f.precision()));
    }


    /** A sum's box over rows x cols reduced to toRows x toCols, divided by n for a mean; OVERFLOW or INF_MINUS_INF past the range. */
    static Range sumRange(Interval x, int toRows, int toCols, boolean mean) {
        if (!x.isFinite()) return Ranges.anything(toRows, toCols);
        int n = (toRows == x.rows() ? 1 : x.rows()) * (toCols == x.cols() ? 1 : x.cols());
        Interval v = Ranges.reduce(x.los(), x.his(), x.rows(), x.cols(), toRows, toCols, mean ? 1.0 / n : 1, false);
        return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW, Cause.INF_MINUS_INF);
    }

    /** A reduction's gradient: g's box spread back over the operand's shape, divided by n for a mean (exact copies otherwise). */
    static Range spreadRange(Interval g, Interval x, boolean mean) {
        if (!g.isFinite()) return Ranges.anything(x.rows(), x.cols());
        int n = (g.rows() == x.rows() ? 1 : x.rows()) * (g.cols() == x.cols() ? 1 : x.cols());
        double[] lo = new double[x.size()], hi = new double[x.size()];
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                int k = Ranges.at(g, r, c);
                double l = g.lo(k), h = g.hi(k);
                if (mean) {
                    // g / n rounds once; an underflowed quotient is the only other outcome
                    l = io.finitegrad.core.IntervalMath.down(l / n);
                    h = io.finitegrad.core.IntervalMath.up(h / n);
                }
                lo[r * x.cols() + c] = l;
                hi[r * x.cols() + c] = h;
            }
        }
        return Range.of(Interval.taking(x.rows(), x.cols(), lo, hi, false));
    }

    /** Sum of all elements, 1x1. */
    public static final class Sum implements Op {
        public String name() { return "sum"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return sumRange(x[0], 1, 1, false); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) { return spreadRange(g, x[0], false); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            double s = 0;
            for (int i = 0, n = x[0].getNumElements(); i < n; i++) s += x[0].data[i];
            DMatrixRMaj y = Results.zeros(1, 1);
            y.data[0] = s;
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(x[0].numRows, x[0].numCols);
            Arrays.fill(d.data, 0, d.getNumElements(), g.data[0]);
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            return wholeSumDiagnosis(f);
        }
    }

    /**
     * {@code sum / count}, or, where that overflows although the terms are finite, the terms divided
     * first and summed again: the mean leaves the range only where it is itself beyond it. The
     * second pass is rare, and each of its divisions rounds once more.
     */
    static double mean(double sum, double[] terms, int from, int count, int stride) {
        double m = sum / count;
        if (!Double.isInfinite(m)) return m;
        double s = 0;
        for (int k = 0; k < count; k++) s += terms[from + k * stride] / count;
        return s;
    }

    static Diagnosis rowSumDiagnosis(Fault f) {
        if (f.backward()) return Diagnosis.generic(f);
        DMatrixRMaj a = f.operandValue(0);
        return sumDiagnosis(f, a.data, f.row() * a.numCols, a.numCols, 1);
    }

    static Diagnosis colSumDiagnosis(Fault f) {
        if (f.backward()) return Diagnosis.generic(f);
        DMatrixRMaj a = f.operandValue(0);
        return sumDiagnosis(f, a.data, f.col(), a.numRows, a.numCols);
    }

    static Diagnosis wholeSumDiagnosis(Fault f) {
        if (f.backward()) return Diagnosis.generic(f);
        return sumDiagnosis(f, f.operandValue(0).data, 0, f.operandValue(0).getNumElements(), 1);
    }

    /** Mean of all elements, 1x1. */
    public static final class Mean implements Op {
        public String name() { return "mean"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return sumRange(x[0], 1, 1, true); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) { return spreadRange(g, x[0], true); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = new Sum().forward(x);
            y.data[0] = mean(y.data[0], x[0].data, 0, x[0].getNumElements(), 1);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(x[0].numRows, x[0].numCols);
            Arrays.fill(d.data, 0, d.getNumElements(), g.data[0] / d.getNumElements());
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            return wholeSumDiagnosis(f);
        }
    }

    /** Sum of each row: rows x 1. */
    public static final class SumRows implements Op {
        public String name() { return "sumRows"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return sumRange(x[0], x[0].rows(), 1, false); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) { return spreadRange(g, x[0], false); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj a = x[0], y = Results.zeros(a.numRows, 1);
            for (int r = 0; r < a.numRows; r++) {
                double s = 0;
                for (int c = 0, o = r * a.numCols; c < a.numCols; c++) s += a.data[o + c];
                y.data[r] = s;
            }
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(x[0].numRows, x[0].numCols);
            for (int r = 0; r < d.numRows; r++) Arrays.fill(d.data, r * d.numCols, (r + 1) * d.numCols, g.data[r]);
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            return rowSumDiagnosis(f);
        }
    }

    /**
     * Mean of each row: rows x 1. A row whose sum leaves the double range is summed again from its
     * terms divided first, so the mean overflows only where it is itself beyond the range.
     */
    public static final class MeanRows implements Op {
        public String name() { return "meanRows"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return sumRange(x[0], x[0].rows(), 1, true); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) { return spreadRange(g, x[0], true); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj a = x[0], y = new SumRows().forward(x);
            int n = a.numCols;
            for (int r = 0; r < a.numRows; r++) y.data[r] = mean(y.data[r], a.data, r * n, n, 1);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(x[0].numRows, x[0].numCols);
            for (int r = 0; r < d.numRows; r++) Arrays.fill(d.data, r * d.numCols, (r + 1) * d.numCols, g.data[r] / d.numCols);
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            return rowSumDiagnosis(f);
        }
    }

    /** Mean of each column: 1 x cols, with the same second pass as {@link MeanRows} for a column whose sum overflows. */
    public static final class MeanCols implements Op {
        public String name() { return "meanCols"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return sumRange(x[0], 1, x[0].cols(), true); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) { return spreadRange(g, x[0], true); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj a = x[0], y = new SumCols().forward(x);
            for (int c = 0; c < a.numCols; c++) y.data[c] = mean(y.data[c], a.data, c, a.numRows, a.numCols);
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(x[0].numRows, x[0].numCols);
            int n = d.numRows;
            for (int r = 0; r < n; r++) {
                for (int c = 0, o = r * d.numCols; c < d.numCols; c++) d.data[o + c] = g.data[c] / n;
            }
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            return colSumDiagnosis(f);
        }
    }

    /** Sum of each column: 1 x cols. */
    public static final class SumCols implements Op {
        public String name() { return "sumCols"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return sumRange(x[0], 1, x[0].cols(), false); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) { return spreadRange(g, x[0], false); }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj a = x[0], y = Results.zeros(1, a.numCols);
            for (int r = 0; r < a.numRows; r++) {
                for (int c = 0, o = r * a.numCols; c < a.numCols; c++) y.data[c] += a.data[o + c];
            }
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(x[0].numRows, x[0].numCols);
            for (int r = 0; r < d.numRows; r++) System.arraycopy(g.data, 0, d.data, r * d.numCols, d.numCols);
            return d;
        }
        public Diagnosis diagnose(Fault f) {
            return colSumDiagnosis(f);
        }
    }
}
