package io.finitegrad.optim.train;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.optim.NonFiniteGradients;
import io.finitegrad.optim.NonFiniteUpdateException;
import java.util.List;

/**
 * The {@link Trainer}'s NaN watchdog: turns the first non-finite loss, gradient, refused update or
 * guard stop into a {@link TrainingDivergedException} with the guard's entry-point report, the epoch
 * and batch, and a copy of the history so far. The parameters need no undoing: gradients are
 * checked before the step and the optimiser refuses a non-finite update before writing anything.
 */
final class Watchdog {
    private final History history;

    /** A watchdog reporting the epochs recorded in {@code history} (read, never written). */
    Watchdog(History history) {
        this.history = history;
    }

    /** Throws if the training loss {@code l} is NaN/Inf (the guard under WARN/OFF lets it through). */
    void checkLoss(Var l, double value, int epoch, int batch) {
        if (!Double.isFinite(value)) throw diverged("the loss is " + value, l.valueReport(), epoch, batch, null);
    }

    /** Throws if the test loss is NaN/Inf. */
    void checkTestLoss(Var pred, double value, int epoch) {
        if (!Double.isFinite(value)) throw diverged("the test loss is " + value, pred.valueReport(), epoch, -1, null);
    }

    /** Non-finite gradients; {@code note} (may be empty) says what the loss scale had to do with it. */
    TrainingDivergedException gradients(List<Var> params, double norm, int epoch, int batch, String note) {
        NonFiniteGradients bad = NonFiniteGradients.of(params);
        return diverged("the gradient global norm is " + norm + " (" + bad + ")" + note, bad.firstReport(), epoch, batch, null);
    }

    TrainingDivergedException update(NonFiniteUpdateException e, int epoch, int batch) {
        return diverged("the optimiser step would have made parameter '" + e.parameter()
                + "' non-finite from finite gradients, so it was refused before any parameter or optimiser state "
                + "changed", e.report(), epoch, batch, e);
    }

    /** The guard stopped; {@code note} (may be empty) says what the loss scale had to do with it. */
    TrainingDivergedException guard(NonFiniteException e, int epoch, int batch, String note) {
        return diverged((batch >= 0 ? "the guard stopped a NaN/Inf" : "the guard stopped a NaN/Inf on the test set") + note,
                e.report(), epoch, batch, e);
    }

    private TrainingDivergedException diverged(String what, NanReport report, int epoch, int batch, Throwable cause) {
        String where = batch >= 0 ? "epoch " + epoch + ", batch " + batch : "epoch " + epoch + " (test evaluation)";
        return new TrainingDivergedException("Training diverged at " + where + ": " + what
                + ". The model keeps the parameters of the last good step; " + history.size()
                + " epoch(s) completed. " + DivergenceAdvice.of(report),
                report, epoch, batch, history.copy("diverged at " + where + ": " + what), cause);
    }
}
