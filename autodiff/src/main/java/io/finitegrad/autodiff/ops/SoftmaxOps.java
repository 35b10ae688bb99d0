package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Op;
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

    /**
     * Row-wise softmax. VJP: {@code y * g - y * sum(g * y)} per row, each product formed before the
     * difference: {@code g - sum(g * y)} alone overflows when g holds huge values of both signs
     * although y times it is representable, and the sum is bounded by max |g| because y sums to 1.
     */
    public static final class Softmax implements Op {
        public String name() { return "softmax"; }
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
