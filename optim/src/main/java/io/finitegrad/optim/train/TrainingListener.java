package io.finitegrad.optim.train;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.data.Dataset;

/**
 * Callbacks from {@link Trainer#fit}, as Keras callbacks: once before the first step, after every
 * applied optimiser step, after every step with its loss scale (with loss scaling on), for every
 * early warning, after every epoch (where a listener may ask to stop), and once at the end. All default to doing nothing. Exceptions thrown here stop training and propagate.
 */
public interface TrainingListener {
    /**
     * Before the first step, after the datasets were checked against the model. {@code test} is
     * null when fit was given no test set.
     */
    default void onTrainBegin(Layer model, Dataset train, Dataset test, int epochs) {
    }

    /** After the step of batch {@code batch} (0-based) of epoch {@code epoch} (1-based) was applied. */
    default void afterStep(int epoch, int batch, double loss, double gradNorm) {
    }

    /**
     * With loss scaling on ({@link Trainer.Builder#lossScale}, {@link Trainer.Builder#dynamicLossScale()}),
     * after every step of batch {@code batch} of epoch {@code epoch}, applied or skipped (then after
     * {@link #afterStep}): {@code scale} is the scale its backward pass started from, {@code skipped}
     * is true if its gradient was non-finite and the step was not applied (under a dynamic scale an
     * overflow, after which the next step starts from {@code scale / 2}). Never called without loss scaling.
     */
    default void onLossScale(int epoch, int batch, double scale, boolean skipped) {
    }

    /**
     * An early warning ({@link io.finitegrad.autodiff.Warnings}: exploding or vanishing gradients,
     * values near overflow) raised in batch {@code batch} of epoch {@code epoch}, or in that epoch's
     * test evaluation ({@code batch} -1). Handed over after the batch, before any divergence it
     * foretold is thrown; each kind of warning once per layer and node in a fit.
     */
    default void onWarning(int epoch, int batch, EarlyWarning warning) {
    }

    /**
     * After an epoch's record is added to the history. Every listener is asked; if any returns
     * {@link Decision#stop}, training ends after this epoch and the history records the reason(s).
     */
    default Decision afterEpoch(History.Epoch record) {
        return Decision.CONTINUE;
    }

    /**
     * When training ends, normally, stopped by a listener or by an exception (then before it
     * propagates). {@code history} holds the completed epochs.
     */
    default void onTrainEnd(History history) {
    }
}
