package io.finitegrad.optim.train;

/**
 * The result of {@link Evaluator#evaluate} (and {@link Trainer#evaluate}): the mean loss over the
 * dataset, the accuracy (fraction of rows whose predicted class is the target class; NaN unless the
 * targets are one-hot classes, as in {@link History}), and the number of rows. Immutable.
 */
public record Evaluation(double loss, double accuracy, int size) {
}
