package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;

/** A training loss: prediction and target in, a 1x1 node out (e.g. {@code Losses::softmaxCrossEntropy}, {@code Losses::mse}). */
@FunctionalInterface
public interface Loss {
    Var apply(Var prediction, Var target);
}
