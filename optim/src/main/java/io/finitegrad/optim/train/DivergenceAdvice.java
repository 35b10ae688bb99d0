package io.finitegrad.optim.train;

import io.finitegrad.autodiff.NanReport;

/**
 * The advice closing a {@link TrainingDivergedException}'s message, chosen from the guard's report:
 * a lower learning rate is the fix only when values grew out of range, not when the data holds a
 * NaN or an unstable formula (a naive softmax) broke, where the report's own remedy (stated by the
 * library code that built the formula) is the fix.
 */
final class DivergenceAdvice {
    private static final String GROWTH = "lower the learning rate or clip gradients (clipNorm), and standardise the inputs";

    private DivergenceAdvice() {
    }

    /** One or two sentences for {@code report}, which may be null (the guard was OFF). */
    static String of(NanReport report) {
        if (report == null) return "Try a lower learning rate, gradient clipping (clipNorm) or standardised inputs.";
        return switch (report.cause()) {
            case NON_FINITE_INPUT -> switch (report.op()) {
                case "input" -> "The data holds NaN/Inf: clean or mask the data before training (drop or impute the"
                        + " rows; DataReport lists them); the learning rate is not the cause.";
                case "param" -> "A parameter became non-finite: " + GROWTH + ".";
                default -> "A constant holds NaN/Inf: " + report.remedy() + ".";
            };
            // values that grew step by step until they left the double range
            case OVERFLOW, INF_MINUS_INF -> "Values grew out of range: " + GROWTH + ".";
            // a formula that breaks for some finite inputs: fix the formula
            default -> "The formula at '" + report.label() + "' breaks (" + report.cause() + "): " + report.remedy() + ".";
        };
    }
}
