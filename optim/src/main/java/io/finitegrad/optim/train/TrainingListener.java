package io.finitegrad.optim.train;

/**
 * Callbacks from {@link Trainer#fit}: after every applied optimiser step and after every epoch.
 * Both default to doing nothing. Exceptions thrown here stop training and propagate.
 */
public interface TrainingListener {
    /** After the step of batch {@code batch} (0-based) of epoch {@code epoch} (1-based) was applied. */
    default void afterStep(int epoch, int batch, double loss, double gradNorm) {
    }

    /** After an epoch's record is added to the history. */
    default void afterEpoch(History.Epoch record) {
    }
}
