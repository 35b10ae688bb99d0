package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.Op;
import io.finitegrad.core.StableKernels;
import org.ejml.data.DMatrixRMaj;

/** Row-wise softmax, log-softmax and log-sum-exp in their stable (max-shifted) forms. */
public final class SoftmaxOps {
    private SoftmaxOps() {
    }

    /** Row-wise softmax. VJP: {@code y * (g - sum(g * y))} per row. */
    public static final class Softmax implements Op {
        public String name() { return "softmax"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.softmax(x[0], null); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = new DMatrixRMaj(y.numRows, y.numCols);
            int cols = y.numCols;
            for (int r = 0; r < y.numRows; r++) {
                int o = r * cols;
                double dot = 0;
                for (int c = 0; c < cols; c++) dot += g.data[o + c] * y.data[o + c];
                for (int c = 0; c < cols; c++) d.data[o + c] = y.data[o + c] * (g.data[o + c] - dot);
            }
            return d;
        }
    }

    /** Row-wise log-softmax. VJP: {@code g - softmax(x) * sum(g)} per row. */
    public static final class LogSoftmax implements Op {
        public String name() { return "logSoftmax"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.logSoftmax(x[0], null); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = new DMatrixRMaj(y.numRows, y.numCols);
            int cols = y.numCols;
            for (int r = 0; r < y.numRows; r++) {
                int o = r * cols;
                double sum = 0;
                for (int c = 0; c < cols; c++) sum += g.data[o + c];
                for (int c = 0; c < cols; c++) d.data[o + c] = g.data[o + c] - Math.exp(y.data[o + c]) * sum;
            }
            return d;
        }
    }

    /** Row-wise log-sum-exp, rows x 1. VJP: {@code g * softmax(x)} per row. */
    public static final class LogSumExp implements Op {
        public String name() { return "logSumExp"; }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return StableKernels.logSumExp(x[0], null); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj a = x[0], d = new DMatrixRMaj(a.numRows, a.numCols);
            int cols = a.numCols;
            for (int r = 0; r < a.numRows; r++) {
                int o = r * cols;
                for (int c = 0; c < cols; c++) d.data[o + c] = g.data[r] * Math.exp(a.data[o + c] - y.data[r]);
            }
            return d;
        }
    }
}
