/**
 * Named tensors on disk, apart from any model: the safetensors codec
 * ({@link io.finitegrad.optim.io.Safetensors}, {@link io.finitegrad.optim.io.NamedTensors}) and the
 * mapping between a model's state dict and named tensors
 * ({@link io.finitegrad.optim.io.StateDicts}). {@link io.finitegrad.optim.train.Checkpoint} joins
 * the two for the user-facing {@code saveModel}/{@code loadModel}.
 */
package io.finitegrad.optim.io;
