package io.finitegrad.autodiff.op;

import io.finitegrad.core.Precision;

/**
 * Why a value or gradient became non-finite, classified from the actual operands at the offending
 * element. Each cause carries a one-line explanation and the usual remedy, in float64 and, with
 * {@link #meaning(Precision)} and {@link #remedy(Precision)}, in the format a graph is emulated in;
 * an op's {@link Diagnosis} may give a more specific remedy.
 */
public enum Cause {
    LOG_OF_ZERO("log(0) = -Infinity",
            "add an epsilon (log(x + 1e-12)) or, for probabilities, work in log space: logSoftmax / cross-entropy from logits", true),
    LOG_OF_NEGATIVE("log of a negative number is NaN",
            "make the argument positive (abs, softplus, clamp) before taking the log", true),
    DIV_BY_ZERO("x / 0 with x != 0 is +/-Infinity",
            "add an epsilon to the denominator: x / (y + 1e-8)", true),
    ZERO_DIV_ZERO("0 / 0 is NaN",
            "add an epsilon to the denominator, or make the masked branch's input safe before the op (the double-where fix)", true),
    EXP_OVERFLOW("exp(x) overflows to +Infinity for x > 709.78",
            "use the stable form (max-shifted softmax / logSumExp, branch-stable sigmoid, softplus) or keep inputs small", true),
    OVERFLOW("finite operands gave a result beyond the double range (|x| > 1.8e308)",
            "keep activations small: normalise inputs, use Xavier/He initialisation, a lower learning rate, gradient clipping", true),
    SQRT_OF_NEGATIVE("sqrt of a negative number is NaN",
            "clamp the argument to >= 0, or add an epsilon: sqrt(x + 1e-12)", true),
    INF_MINUS_INF("Infinity - Infinity is NaN (two overflowed terms of opposite sign)",
            "stop the overflow that produced the infinities: smaller weights (Xavier/He), normalised inputs, lower learning rate", false),
    ZERO_TIMES_INF("0 * Infinity is NaN (often a masked branch sending a zero gradient into an infinite derivative)",
            "make the unselected branch's input safe before the op (the double-where fix): f(where(mask, x, safe))", false),
    INF_DIV_INF("Infinity / Infinity is NaN",
            "stop the overflow upstream; for softmax use the max-shifted (stable) form", false),
    FULLY_MASKED_ROW("every entry of the row is -Infinity (fully masked): its log-sum-exp is -Infinity and the"
            + " gradient exp(-Inf - -Inf) is NaN",
            "skip rows with no unmasked entry (padding-only rows), or mask with a large finite negative value (-1e9)"
            + " instead of -Infinity", true),
    UNDERFLOW_TO_ZERO("a non-zero value rounded to 0 (below half the format's smallest subnormal) and was then divided by"
            + " or logged",
            "keep the value in the format's range: rescale before it gets tiny (multiply before dividing, work in log"
            + " space), compute this part in a format with more exponent range (bfloat16, float32), or add an epsilon"
            + " above the format's smallest normal to the divisor", false),
    DOMAIN_ERROR("the op is undefined for this argument (e.g. a negative base to a fractional power)",
            "restrict the argument to the op's domain (clamp, abs, softplus)", true),
    NON_FINITE_INPUT("the data or parameter itself holds NaN/Inf",
            "clean NaN/Inf from the data (drop or impute rows); for a parameter, find the step that broke it (lower learning rate, clipping)", false),
    UNDEFINED("the op produced NaN from finite operands",
            "inspect this op's formula for an undefined intermediate (inf - inf, 0/0, 0 * inf)", false);

    private final String meaning;
    private final String remedy;
    private final boolean inherent;

    Cause(String meaning, String remedy, boolean inherent) {
        this.meaning = meaning;
        this.remedy = remedy;
        this.inherent = inherent;
    }

    /**
     * True when this cause means the exact mathematical result at the element is itself infinite,
     * undefined or beyond the double range (log(0), x/0, sqrt of a negative, exp(800), an overflowing
     * product), so that no way of computing it could give a finite double; false when exact
     * arithmetic on the same finite operands would give a finite result and the NaN/Inf comes from
     * how it was computed (Inf - Inf, 0 * Inf, Inf / Inf between overflowed intermediates, an
     * unexplained NaN) or from an operand that already held one. Property tests read it to tell a
     * correct infinite derivative (sqrt at 0) from a broken formula; it is only as exact as the op's
     * diagnosis, and an op without one reports any Inf from finite operands as {@link #OVERFLOW}.
     */
    public boolean inherent() {
        return inherent;
    }

    /** One line saying what this cause is, in float64 (the library's default format). */
    public String meaning() {
        return meaning;
    }

    /** The usual fix, in float64. */
    public String remedy() {
        return remedy;
    }

    /**
     * {@link #meaning()} in format {@code p}: the limits it quotes are {@code p}'s (exp overflows above
     * 11.09 in float16, the range ends at 65504). For float64 exactly {@link #meaning()}.
     *
     * @throws IllegalArgumentException if {@code p} is null
     */
    public String meaning(Precision p) {
        if (notNull(p).isNative()) return meaning;
        return switch (this) {
            case EXP_OVERFLOW -> "exp(x) overflows to +Infinity for x > " + InFormat.expLimit(p) + " in " + p.label();
            case OVERFLOW -> "a finite result or value beyond " + InFormat.range(p) + " became +/-Infinity when rounded to "
                    + p.label();
            case UNDERFLOW_TO_ZERO -> "a non-zero value rounded to 0 in " + p.label() + " (below half its smallest subnormal, "
                    + InFormat.number(p.minSubnormal()) + ") and was then divided by or logged";
            default -> meaning;
        };
    }

    /**
     * {@link #remedy()} in format {@code p}: an epsilon or mask value that survives rounding to
     * {@code p} (1e-12 and 1e-8 are 0 in float16, -1e9 is -Infinity there) and the format's limits.
     * For float64 exactly {@link #remedy()}.
     *
     * @throws IllegalArgumentException if {@code p} is null
     */
    public String remedy(Precision p) {
        if (notNull(p).isNative()) return remedy;
        return switch (this) {
            case LOG_OF_ZERO -> "add an epsilon (log(x + " + InFormat.eps(p, 1e-12) + "))" + InFormat.epsNote(p, 1e-12)
                    + " or, for probabilities, work in log space: logSoftmax / cross-entropy from logits";
            case DIV_BY_ZERO -> "add an epsilon to the denominator: x / (y + " + InFormat.eps(p, 1e-8) + ")"
                    + InFormat.epsNote(p, 1e-8);
            case SQRT_OF_NEGATIVE -> "clamp the argument to >= 0, or add an epsilon: sqrt(x + " + InFormat.eps(p, 1e-12) + ")"
                    + InFormat.epsNote(p, 1e-12);
            case FULLY_MASKED_ROW -> "skip rows with no unmasked entry (padding-only rows), or mask with a large finite"
                    + " negative value (" + InFormat.mask(p) + ") instead of -Infinity";
            case EXP_OVERFLOW -> remedy + " (below " + InFormat.expLimit(p) + " in " + p.label() + ")";
            case OVERFLOW -> remedy + "; " + p.label() + " ends at " + InFormat.number(p.maxFinite())
                    + ": keep values well below it, or compute in a format with float32's range (bfloat16, float32)";
            case UNDERFLOW_TO_ZERO -> "keep the value in " + p.label() + "'s range: rescale before it gets tiny (multiply"
                    + " before dividing, work in log space), compute this part in a format with more exponent range"
                    + (p == Precision.FLOAT16 ? " (bfloat16, float32)" : " (float32, float64)")
                    + ", or add an epsilon of at least " + p.label() + "'s smallest normal ("
                    + InFormat.number(p.minNormal()) + ") to the divisor";
            default -> remedy;
        };
    }

    private static Precision notNull(Precision p) {
        if (p == null) throw new IllegalArgumentException("Cause: precision is null");
        return p;
    }
}
