package io.finitegrad.autodiff;

/**
 * The textbook formulas, built from primitive ops so the guard can show exactly which primitive
 * breaks: {@code exp(x)/sum(exp(x))} overflows at logits ~710, {@code 1/(1+exp(-x))} at x ~ -710,
 * {@code log(softmax)} takes log(0) once a probability underflows. Each opens a name scope
 * ({@code naiveSoftmax/exp}, ...) so reports name the formula. The stable ops on {@link Var} are
 * their twins; run the same model with either to compare.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class NaiveOps {
    private NaiveOps() {
    }

    /** Row-wise {@code exp(x) / sum(exp(x))}. */
    public static Var softmax(Var x) {
        try (var s = Names.scope("naiveSoftmax")) {
            Var e = x.exp();
            return e.div(e.sumRows());
        }
    }

    /** {@code log(softmax(x))} with the naive softmax. */
    public static Var logSoftmax(Var x) {
        Var p = softmax(x);
        try (var s = Names.scope("naiveLogSoftmax")) {
            return p.log();
        }
    }

    /** {@code 1 / (1 + exp(-x))}. */
    public static Var sigmoid(Var x) {
        try (var s = Names.scope("naiveSigmoid")) {
            return x.neg().exp().add(1.0).rdiv(1.0);
        }
    }

    /** Row-wise {@code log(sum(exp(x)))}: rows x 1. */
    public static Var logSumExp(Var x) {
        try (var s = Names.scope("naiveLogSumExp")) {
            return x.exp().sumRows().log();
        }
    }

    /** {@code log(1 + exp(x))}. */
    public static Var softplus(Var x) {
        try (var s = Names.scope("naiveSoftplus")) {
            return x.exp().add(1.0).log();
        }
    }

    /** Categorical cross-entropy on probabilities, {@code -sum(y * log(p)) / rows}. */
    public static Var crossEntropy(Var probs, Var targets) {
        try (var s = Names.scope("naiveCrossEntropy")) {
            return targets.mul(probs.log()).sum().div(-probs.rows());
        }
    }

    /** Binary cross-entropy on probabilities, {@code -mean(y log p + (1-y) log(1-p))}. */
    public static Var binaryCrossEntropy(Var probs, Var targets) {
        try (var s = Names.scope("naiveBce")) {
            Var pos = targets.mul(probs.log());
            Var neg = targets.rsub(1.0).mul(probs.rsub(1.0).log());
            return pos.add(neg).mean().neg();
        }
    }
}
