/**
 * The training loop with its NaN watchdog ({@link io.finitegrad.optim.train.Trainer},
 * {@link io.finitegrad.optim.train.TrainingDivergedException}), per-epoch metrics
 * ({@link io.finitegrad.optim.train.History}) and model checkpoints
 * ({@link io.finitegrad.optim.train.Checkpoint}, over the codec in {@link io.finitegrad.optim.io}).
 */
package io.finitegrad.optim.train;
