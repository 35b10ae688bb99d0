package io.finitegrad.optim.train;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;

/**
 * The advice closing a {@link TrainingDivergedException}'s message, derived from the guard's report
 * alone: the report's cause and the remedy the op that diagnosed it stated (the library code that
 * knows the formula: a fully masked softmax row, a tiny divisor, an overflowing product). So the
 * message never contradicts the report printed under it, as a stock "lower the learning rate"
 * did for NaNs that were there before the first step. Only without a report (the guard was OFF)
 * is the advice generic.
 */
final class DivergenceAdvice {
    private DivergenceAdvice() {
    }

    /** One or two sentences for {@code report}, which may be null (the guard was OFF). */
    static String of(NanReport report) {
        if (report == null) return "Try a lower learning rate, gradient clipping (clipNorm) or standardised inputs.";
        String remedy = report.remedy() == null || report.remedy().isBlank() ? report.cause().remedy() : report.remedy();
        if (report.cause() == Cause.NON_FINITE_INPUT && report.op().equals("input")) {
            return "The data holds NaN/Inf (" + report.cause() + "): " + remedy + "; the learning rate is not the cause.";
        }
        return "The guard's diagnosis, " + report.cause() + " at " + report.op() + " '" + report.label() + "': " + remedy + ".";
    }
}
