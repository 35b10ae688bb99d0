package io.finitegrad.autodiff.check;

/**
 * A suggested fix for a potential defect. {@link Kind#SHRINK_INPUTS}, {@link Kind#PARAM_RADIUS} and
 * {@link Kind#EPSILON} were each verified by re-running the analysis: under them the defect's node
 * certifies ({@link #verified()}). {@link Kind#ADVICE} is the guard's remedy (the op's stable twin,
 * a log-space form), which the analysis cannot apply for you.
 *
 * @param kind what to change
 * @param value the input-range factor, the parameter radius, or the epsilon (NaN for advice)
 * @param text one line saying what to do
 * @param verified whether the analysis certified the node under the fix
 */
public record Fix(Kind kind, double value, String text, boolean verified) {
    /** The kinds of fix. */
    public enum Kind {
        /** Restrict every input range about its midpoint by the factor {@code value}. */
        SHRINK_INPUTS,
        /** Keep every parameter within {@code value} of its current value. */
        PARAM_RADIUS,
        /** Add {@code value} to the operand at the node (log(x + eps), y / (x + eps), sqrt(x + eps)). */
        EPSILON,
        /** A change to the formula: the remedy the guard gives. */
        ADVICE
    }

    @Override
    public String toString() {
        return text + (kind == Kind.ADVICE ? "" : verified ? " (verified: the node certifies)" : " (not verified)");
    }
}
