package io.finitegrad.layers;

import io.finitegrad.autodiff.Hint;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.Tracer;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.StepBuffers;
import org.ejml.data.DMatrixRMaj;

/**
 * Loss functions, each returning a 1x1 node reduced as PyTorch's defaults do: {@code mse} and the
 * binary cross-entropies average over every element, the softmax cross-entropies over the rows.
 *
 * <p>The stable losses work from logits ({@link #bceWithLogits}, {@link #softmaxCrossEntropy}) and
 * stay finite for any finite logits. Their naive twins ({@link #bce} on probabilities,
 * {@link #naiveSoftmaxCrossEntropy}) take the log of a probability and so meet log(0) once it
 * underflows; the guard then names their {@code log} node. The epsilon variants are the patch users
 * reach for: they stay finite but bias the loss.
 *
 * <p>Each loss opens a name scope named after itself ({@code mse/sub}, {@code bce/log}, ...); the
 * naive ones state their stable twin as the remedy ({@link Hint}).
 *
 * @throws IllegalArgumentException (a {@link ShapeException} for shapes) from every loss when the
 *     shapes differ, a class index is out of range, or an epsilon is negative or not finite
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class Losses {
    private Losses() {
    }

    private static final Hint BCE = Hint.of("use Losses.bceWithLogits on the logits (finite for any finite logit)"
            + " instead of the log of a probability that saturated at 0 or 1");
    private static final Hint NAIVE_SOFTMAX_CE = Hint.of("use Losses.softmaxCrossEntropy on the logits (log-softmax,"
            + " finite for any finite logits) instead of log(exp(z) / sum(exp(z)))");

    /** Mean squared error over every element: {@code mean((pred - target)^2)}. */
    public static Var mse(Var pred, Var target) {
        sameShape("mse", "pred", pred, "target", target);
        try (var s = Names.scope("mse")) {
            return pred.sub(target).square().mean();
        }
    }

    /**
     * Binary cross-entropy from logits, averaged over every element:
     * {@code mean(softplus(z) - z y)}, where softplus is computed as {@code max(z, 0) + log1p(exp(-|z|))},
     * so no exp overflows and no log meets 0: finite for |z| = 1e4 and beyond. Its gradient is
     * {@code (sigmoid(z) - y) / n}.
     */
    public static Var bceWithLogits(Var logits, Var targets) {
        sameShape("bceWithLogits", "logits", logits, "targets", targets);
        try (var s = Names.scope("bceWithLogits")) {
            return logits.softplus().sub(logits.mul(targets)).mean();
        }
    }

    /**
     * Softmax cross-entropy from logits and one-hot (or soft) targets, {@code -sum(y * logSoftmax(z)) / rows},
     * computed as {@code sum(logSumExp(z) * rowSum(t) - rowSum(t * z))} with {@code t = y / rows}:
     * no log-probability is formed, so a logit far below its row's maximum (a log-probability beyond
     * -1.8e308) never meets a zero target as {@code 0 * -Infinity}; and every term is divided by the
     * rows before terms are added or subtracted, so a row whose own loss is beyond the double range
     * (a target logit of -1.8e308) does not overflow a mean that is not. Finite wherever the true
     * loss is, for any finite logits. Constant targets are scaled once, outside the graph, into
     * storage the constants take without a copy.
     */
    public static Var softmaxCrossEntropy(Var logits, Var oneHot) {
        sameShape("softmaxCrossEntropy", "logits", logits, "targets", oneHot);
        try (var s = Names.scope("softmaxCrossEntropy")) {
            int n = logits.rows();
            Var t, rowWeights;
            // under a finiteness check the targets are an input with a range, not values to read
            if (oneHot.requiresGrad() || Tracer.active()) {
                t = oneHot.div(n);
                rowWeights = t.sumRows();
            } else {
                // one pass over the targets' storage: y / rows, and each row's sum of it, into
                // matrices the constants take as they are (recycled when a training loop owns the graph)
                DMatrixRMaj y = oneHot.read();
                int cols = y.numCols;
                DMatrixRMaj scaledM = StepBuffers.zeros(n, cols), sumsM = StepBuffers.zeros(n, 1);
                double[] scaled = scaledM.data, sums = sumsM.data;
                for (int r = 0; r < n; r++) {
                    for (int c = 0, o = r * cols; c < cols; c++) sums[r] += scaled[o + c] = y.data[o + c] / n;
                }
                t = Var.constantTaking(scaledM);
                rowWeights = Var.constantTaking(sumsM);
            }
            return logits.logSumExp().mul(rowWeights).sub(t.mul(logits).sumRows()).sum();
        }
    }

    /** Softmax cross-entropy from logits and one class index per row, as {@code torch.nn.CrossEntropyLoss}. */
    public static Var softmaxCrossEntropy(Var logits, int[] classes) {
        return softmaxCrossEntropy(logits, oneHot("softmaxCrossEntropy", logits, classes));
    }

    /** Naive binary cross-entropy on probabilities: {@code -mean(y log p + (1 - y) log(1 - p))}. */
    public static Var bce(Var probs, Var targets) {
        sameShape("bce", "probs", probs, "targets", targets);
        try (var s = Names.scope("bce", BCE)) {
            Var pos = targets.mul(probs.log());
            Var neg = targets.rsub(1.0).mul(probs.rsub(1.0).log());
            return pos.add(neg).mean().neg();
        }
    }

    /** {@link #bce(Var, Var)} with {@code eps} inside both logs: {@code log(p + eps)}, {@code log(1 - p + eps)}. */
    public static Var bce(Var probs, Var targets, double eps) {
        sameShape("bce", "probs", probs, "targets", targets);
        checkEps("bce", eps);
        try (var s = Names.scope("bce", BCE)) {
            Var pos = targets.mul(probs.add(eps).log());
            Var neg = targets.rsub(1.0).mul(probs.rsub(1.0).add(eps).log());
            return pos.add(neg).mean().neg();
        }
    }

    /**
     * The textbook softmax cross-entropy, {@code -sum(y * log(softmax(z))) / rows} with the naive
     * softmax {@code exp(z) / sum(exp(z))} ({@link NaiveOps#softmax}): exp overflows for logits
     * above ~710 and the log meets 0 once a probability underflows.
     */
    public static Var naiveSoftmaxCrossEntropy(Var logits, Var oneHot) {
        sameShape("naiveSoftmaxCrossEntropy", "logits", logits, "targets", oneHot);
        try (var s = Names.scope("naiveSoftmaxCrossEntropy", NAIVE_SOFTMAX_CE)) {
            return oneHot.mul(naiveSoftmax(logits).log()).sum().div(-logits.rows());
        }
    }

    /** {@link #naiveSoftmaxCrossEntropy(Var, Var)} with {@code eps} inside the log: {@code log(softmax(z) + eps)}. */
    public static Var naiveSoftmaxCrossEntropy(Var logits, Var oneHot, double eps) {
        sameShape("naiveSoftmaxCrossEntropy", "logits", logits, "targets", oneHot);
        checkEps("naiveSoftmaxCrossEntropy", eps);
        try (var s = Names.scope("naiveSoftmaxCrossEntropy", NAIVE_SOFTMAX_CE)) {
            return oneHot.mul(naiveSoftmax(logits).add(eps).log()).sum().div(-logits.rows());
        }
    }

    /**
     * {@link NaiveOps#softmax}'s formula in a scope of the same name but without its hint, so the
     * loss's own hint, the stable loss, answers an overflow too.
     */
    private static Var naiveSoftmax(Var logits) {
        try (var s = Names.scope("naiveSoftmax")) {
            Var e = logits.exp();
            return e.div(e.sumRows());
        }
    }

    /** {@link #naiveSoftmaxCrossEntropy(Var, Var)} with class indices. */
    public static Var naiveSoftmaxCrossEntropy(Var logits, int[] classes) {
        return naiveSoftmaxCrossEntropy(logits, oneHot("naiveSoftmaxCrossEntropy", logits, classes));
    }

    /**
     * A rows x classes one-hot constant from class indices.
     *
     * @throws IllegalArgumentException if there is not one index per row or an index is outside [0, classes)
     */
    public static Var oneHot(String loss, Var logits, int[] classes) {
        if (logits == null) throw new IllegalArgumentException(loss + ": logits is null");
        if (classes == null) throw new IllegalArgumentException(loss + ": classes is null");
        int rows = logits.rows(), cols = logits.cols();
        if (classes.length != rows) {
            throw new ShapeException(loss + ": expected one class index per row of logits '" + logits.name() + "' ("
                    + logits.shape() + "), i.e. " + rows + " indices, got " + classes.length);
        }
        DMatrixRMaj hot = new DMatrixRMaj(rows, cols);
        double[] y = hot.data;
        for (int r = 0; r < rows; r++) {
            int c = classes[r];
            if (c < 0 || c >= cols) {
                throw new IllegalArgumentException(loss + ": class index " + c + " at row " + r + " is outside [0, "
                        + cols + ") for logits '" + logits.name() + "' (" + logits.shape() + ")");
            }
            y[r * cols + c] = 1.0;
        }
        return Var.constantTaking(hot);
    }

    private static void sameShape(String loss, String an, Var a, String bn, Var b) {
        if (a == null || b == null) throw new IllegalArgumentException(loss + ": " + (a == null ? an : bn) + " is null");
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new ShapeException(loss + ": expected " + bn + " with the shape of " + an + " '" + a.name() + "' ("
                    + a.shape() + "), got " + bn + " '" + b.name() + "' (" + b.shape() + ")");
        }
    }

    private static void checkEps(String loss, double eps) {
        if (!(eps >= 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException(loss + ": eps must be finite and >= 0, got " + eps);
        }
    }
}
