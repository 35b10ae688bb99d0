package io.finitegrad.core;

import org.ejml.data.DMatrixRMaj;

/**
 * Numerically stable kernels: finite for every finite input for which the true result is finite
 * (checked by property tests up to |x| = 1e300). The tricks are the classic ones: shift by the row
 * maximum before exponentiating, choose the sigmoid branch whose exp cannot overflow, and use
 * {@code log1p} for {@code log(1 + small)}.
 *
 * <p>Conventions as in {@link NaiveKernels}: {@code out} may be null or (for elementwise kernels)
 * the input itself; mismatched shapes throw {@link IllegalArgumentException}.
 */
public final class StableKernels {
    private StableKernels() {
    }

    /** Sigmoid evaluated on the branch whose exp argument is never positive. */
    public static double sigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** {@code log(1 + exp(x))} as {@code max(x, 0) + log1p(exp(-|x|))}. */
    public static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** {@code log(sigmoid(x)) = -softplus(-x)}. */
    public static double logSigmoid(double x) {
        return -softplus(-x);
    }

    /** Elementwise {@link #sigmoid(double)}. */
    public static DMatrixRMaj sigmoid(DMatrixRMaj x, DMatrixRMaj out) {
        out = Kernels.like(x, out);
        for (int i = 0, n = x.getNumElements(); i < n; i++) out.data[i] = sigmoid(x.data[i]);
        return out;
    }

    /** Elementwise {@link #softplus(double)}. */
    public static DMatrixRMaj softplus(DMatrixRMaj x, DMatrixRMaj out) {
        out = Kernels.like(x, out);
        for (int i = 0, n = x.getNumElements(); i < n; i++) out.data[i] = softplus(x.data[i]);
        return out;
    }

    /** Row-wise softmax with the row maximum subtracted first, so every exp argument is <= 0. */
    public static DMatrixRMaj softmax(DMatrixRMaj x, DMatrixRMaj out) {
        out = Kernels.like(x, out);
        int cols = x.numCols;
        for (int r = 0; r < x.numRows; r++) {
            int o = r * cols;
            double max = rowMax(x.data, o, cols);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += out.data[o + c] = Math.exp(x.data[o + c] - max);
            double inv = 1.0 / sum; // sum >= 1 because the max element contributes exp(0)
            for (int c = 0; c < cols; c++) out.data[o + c] *= inv;
        }
        return out;
    }

    /** Row-wise {@code (x - max) - log(sum(exp(x - max)))}, never taking the log of an underflowed probability. */
    public static DMatrixRMaj logSoftmax(DMatrixRMaj x, DMatrixRMaj out) {
        out = Kernels.like(x, out);
        int cols = x.numCols;
        for (int r = 0; r < x.numRows; r++) {
            int o = r * cols;
            double max = rowMax(x.data, o, cols);
            double logSum = logSumShifted(x.data, o, cols, max);
            for (int c = 0; c < cols; c++) out.data[o + c] = (x.data[o + c] - max) - logSum;
        }
        return out;
    }

    /** Row-wise {@code max + log(sum(exp(x - max)))} into a rows x 1 matrix. */
    public static DMatrixRMaj logSumExp(DMatrixRMaj x, DMatrixRMaj out) {
        out = Kernels.column(x, out);
        for (int r = 0; r < x.numRows; r++) out.data[r] = rowLogSumExp(x.data, r * x.numCols, x.numCols);
        return out;
    }

    /** log-sum-exp of {@code n} values of {@code d} from {@code offset}. */
    public static double rowLogSumExp(double[] d, int offset, int n) {
        double max = rowMax(d, offset, n);
        return max + logSumShifted(d, offset, n, max);
    }

    /**
     * {@code log(sum(exp(d - max)))}, in [0, log n]. Callers subtract it separately from {@code x - max}:
     * folded into {@code max + log(sum)} first, it is rounded away once |max| is large (at 1e17,
     * log 2 is below half an ulp), and log-softmax of tied logits would come out 0 instead of -log 2.
     */
    private static double logSumShifted(double[] d, int offset, int n, double max) {
        if (max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) return 0;
        double sum = 0;
        for (int c = 0; c < n; c++) sum += Math.exp(d[offset + c] - max);
        return Math.log(sum);
    }

    /** Softmax cross-entropy {@code -sum(y * logSoftmax(z))} averaged over rows, from logits. */
    public static double softmaxCrossEntropy(DMatrixRMaj logits, DMatrixRMaj targets) {
        Kernels.sameShape("softmaxCrossEntropy", logits, targets);
        int cols = logits.numCols;
        double total = 0;
        for (int r = 0; r < logits.numRows; r++) {
            int o = r * cols;
            double max = rowMax(logits.data, o, cols);
            double logSum = logSumShifted(logits.data, o, cols, max);
            for (int c = 0; c < cols; c++) {
                double y = targets.data[o + c];
                if (y != 0) total -= y * ((logits.data[o + c] - max) - logSum);
            }
        }
        return total / logits.numRows;
    }

    /**
     * Binary cross-entropy from logits, {@code max(z,0) - z*y + log1p(exp(-|z|))}, averaged over all
     * elements: the sigmoid is never formed, so no log(0).
     */
    public static double bceWithLogits(DMatrixRMaj logits, DMatrixRMaj targets) {
        Kernels.sameShape("bceWithLogits", logits, targets);
        double total = 0;
        int n = logits.getNumElements();
        for (int i = 0; i < n; i++) {
            double z = logits.data[i], y = targets.data[i];
            total += Math.max(z, 0.0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
        }
        return total / n;
    }

    private static double rowMax(double[] d, int offset, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < n; c++) if (d[offset + c] > max) max = d[offset + c];
        return max;
    }
}
