package io.finitegrad.core;

import org.ejml.data.DMatrixRMaj;

/**
 * The numerical kernels as textbooks write them, kept public so they can be shown failing and
 * benchmarked against {@link StableKernels}. Each overflows or takes log(0) for inputs that the
 * stable twin handles: {@code exp(x)} is +Inf above x ~ 709.78, so softmax, log-sum-exp and
 * softplus break for |x| beyond ~710 and sigmoid for x below ~ -710.
 *
 * <p>Matrix kernels work row-wise where that matters and follow {@code CommonOps_DDRM}'s
 * convention: {@code out} may be null (a new matrix is returned) and may be the input itself for
 * elementwise kernels. Shapes that do not match throw {@link IllegalArgumentException}.
 */
public final class NaiveKernels {
    private NaiveKernels() {
    }

    /** {@code 1 / (1 + exp(-x))}: exp overflows for x below ~ -709.78. */
    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** {@code log(1 + exp(x))}: +Inf for x above ~709.78. */
    public static double softplus(double x) {
        return Math.log(1.0 + Math.exp(x));
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

    /** Row-wise {@code exp(x) / sum(exp(x))}: Inf/Inf = NaN once a logit passes ~709.78. */
    public static DMatrixRMaj softmax(DMatrixRMaj x, DMatrixRMaj out) {
        out = Kernels.like(x, out);
        int cols = x.numCols;
        for (int r = 0; r < x.numRows; r++) {
            int o = r * cols;
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += out.data[o + c] = Math.exp(x.data[o + c]);
            for (int c = 0; c < cols; c++) out.data[o + c] /= sum;
        }
        return out;
    }

    /** Row-wise {@code log(softmax(x))}: log(0) = -Inf once a probability underflows. */
    public static DMatrixRMaj logSoftmax(DMatrixRMaj x, DMatrixRMaj out) {
        out = softmax(x, out);
        for (int i = 0, n = out.getNumElements(); i < n; i++) out.data[i] = Math.log(out.data[i]);
        return out;
    }

    /** Row-wise {@code log(sum(exp(x)))} into a rows x 1 matrix. */
    public static DMatrixRMaj logSumExp(DMatrixRMaj x, DMatrixRMaj out) {
        out = Kernels.column(x, out);
        int cols = x.numCols;
        for (int r = 0; r < x.numRows; r++) {
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.exp(x.data[r * cols + c]);
            out.data[r] = Math.log(sum);
        }
        return out;
    }

    /**
     * Categorical cross-entropy {@code -sum(y * log(p))} averaged over rows, on probabilities.
     * {@code 0 * log(0)} is NaN and {@code y * log(0)} is Inf.
     */
    public static double crossEntropy(DMatrixRMaj probs, DMatrixRMaj targets) {
        Kernels.sameShape("crossEntropy", probs, targets);
        double total = 0;
        for (int i = 0, n = probs.getNumElements(); i < n; i++) total += -targets.data[i] * Math.log(probs.data[i]);
        return total / probs.numRows;
    }

    /** Binary cross-entropy {@code -(y log p + (1-y) log(1-p))} averaged over all elements, on probabilities. */
    public static double binaryCrossEntropy(DMatrixRMaj probs, DMatrixRMaj targets) {
        Kernels.sameShape("binaryCrossEntropy", probs, targets);
        double total = 0;
        int n = probs.getNumElements();
        for (int i = 0; i < n; i++) {
            double p = probs.data[i], y = targets.data[i];
            total += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
        }
        return total / n;
    }
}
