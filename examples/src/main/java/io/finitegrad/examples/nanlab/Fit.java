package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.Optimizer;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.Loss;
import io.finitegrad.optim.train.Trainer;
import java.util.function.UnaryOperator;

/**
 * One lesson's training setup, built once by the lesson: its model, loss, optimiser, data, batch
 * size and the rest of the trainer's configuration. The lesson's run trains it ({@link #run}) and
 * {@code nanlab check} analyses the same model, loss and data ({@link #check}), so the two cannot
 * drift apart. Build a fresh one for each use: a run trains its model.
 *
 * @param model the lesson's model, at its initial weights
 * @param loss the lesson's loss
 * @param optimizer the optimiser of the model's parameters
 * @param data the training set
 * @param batch the batch size
 * @param configure the rest of the trainer's configuration (epochs, seed, clipping, listeners)
 */
public record Fit(Layer model, Loss loss, Optimizer optimizer, Dataset data, int batch,
        UnaryOperator<Trainer.Builder> configure) {
    /** Trains the model under {@code mode}, as {@link Runs#fit} does. */
    public Outcome run(Lab lab, String task, FiniteGuard.Mode mode) {
        return Runs.fit(lab, task, mode, model, loss, optimizer, b -> configure.apply(b.batchSize(batch)), data);
    }

    /** The finiteness check of the loss on a batch of the data's column ranges, at the initial weights, in the current format. */
    public CheckSpec check() {
        return CheckSpec.loss(model, loss, data, batch);
    }
}
