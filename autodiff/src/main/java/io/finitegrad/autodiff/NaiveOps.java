package io.finitegrad.autodiff;

/**
 * The textbook formulas, built from primitive ops so the guard can show exactly which primitive
 * breaks: {@code exp(x)/sum(exp(x))} overflows at logits ~710, {@code 1/(1+exp(-x))} at x ~ -710,
 * {@code log(softmax)} takes log(0) once a probability underflows. Each opens a name scope
 * ({@code naiveSoftmax/exp}, ...) so reports name the formula. The stable ops on {@link Var} are
 * their twins; run the same model with either to compare. Each scope states its {@link Hint}: the
 * stable twin is the remedy for whatever breaks inside.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class NaiveOps {
    private NaiveOps() {
    }

    private static final Hint SOFTMAX = Hint.of("use the max-shifted softmax (Var.softmax; for a loss, logSoftmax on the"
            + " logits) instead of exp(x)/sum(exp(x)): subtracting each row's max keeps exp in range and the sum >= 1,"
            + " so neither exp(x) overflows nor an underflowed row divides 0 by 0");
    private static final Hint LOG_OF_PROBABILITIES = Hint.of("work in log space: logSoftmax on the logits instead of"
            + " log(softmax(x)); a probability that underflows to 0 has log -Infinity");
    private static final Hint SIGMOID = Hint.of("use the branch-stable Var.sigmoid instead of 1/(1+exp(-x)): it never"
            + " evaluates exp of a large positive number");
    private static final Hint LOG_SUM_EXP = Hint.of("use Var.logSumExp (max-shifted) instead of log(sum(exp(x)))");
    private static final Hint SOFTPLUS = Hint.of("use Var.softplus (max(x, 0) + log1p(exp(-|x|))) instead of"
            + " log(1 + exp(x))");
    private static final Hint CROSS_ENTROPY = Hint.of("compute the cross-entropy from logits in log space: logSoftmax on"
            + " the logits instead of log(probabilities), which meets log(0) once a probability underflows");
    private static final Hint BCE = Hint.of("compute the binary cross-entropy from logits: log(sigmoid(z)) ="
            + " -softplus(-z) and log(1 - sigmoid(z)) = -softplus(z), instead of the log of a probability that"
            + " reached 0 or 1");

    /** Row-wise {@code exp(x) / sum(exp(x))}. */
    public static Var softmax(Var x) {
        try (var s = Names.scope("naiveSoftmax", SOFTMAX)) {
            Var e = x.exp();
            return e.div(e.sumRows());
        }
    }

    /** {@code log(softmax(x))} with the naive softmax. */
    public static Var logSoftmax(Var x) {
        Var p = softmax(x);
        try (var s = Names.scope("naiveLogSoftmax", LOG_OF_PROBABILITIES)) {
            return p.log();
        }
    }

    /** {@code 1 / (1 + exp(-x))}. */
    public static Var sigmoid(Var x) {
        try (var s = Names.scope("naiveSigmoid", SIGMOID)) {
            return x.neg().exp().add(1.0).rdiv(1.0);
        }
    }

    /** Row-wise {@code log(sum(exp(x)))}: rows x 1. */
    public static Var logSumExp(Var x) {
        try (var s = Names.scope("naiveLogSumExp", LOG_SUM_EXP)) {
            return x.exp().sumRows().log();
        }
    }

    /** {@code log(1 + exp(x))}. */
    public static Var softplus(Var x) {
        try (var s = Names.scope("naiveSoftplus", SOFTPLUS)) {
            return x.exp().add(1.0).log();
        }
    }

    /** Categorical cross-entropy on probabilities, {@code -sum(y * log(p)) / rows}. */
    public static Var crossEntropy(Var probs, Var targets) {
        try (var s = Names.scope("naiveCrossEntropy", CROSS_ENTROPY)) {
            return targets.mul(probs.log()).sum().div(-probs.rows());
        }
    }

    /** Binary cross-entropy on probabilities, {@code -mean(y log p + (1-y) log(1-p))}. */
    public static Var binaryCrossEntropy(Var probs, Var targets) {
        try (var s = Names.scope("naiveBce", BCE)) {
            Var pos = targets.mul(probs.log());
            Var neg = targets.rsub(1.0).mul(probs.rsub(1.0).log());
            return pos.add(neg).mean().neg();
        }
    }
}
