/**
 * The training loop with its NaN watchdog ({@link io.finitegrad.optim.train.Trainer},
 * {@link io.finitegrad.optim.train.TrainingDivergedException}), per-epoch metrics
 * ({@link io.finitegrad.optim.train.History}) and safetensors checkpoints
 * ({@link io.finitegrad.optim.train.Checkpoint}).
 */
package io.finitegrad.optim.train;
