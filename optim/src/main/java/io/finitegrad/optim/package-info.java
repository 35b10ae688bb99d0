/**
 * Optimisers ({@link io.finitegrad.optim.SGD}, {@link io.finitegrad.optim.Adam},
 * {@link io.finitegrad.optim.AdamW}) that refuse or skip non-finite gradients, gradient clipping
 * ({@link io.finitegrad.optim.GradClip}) and learning-rate schedules
 * ({@link io.finitegrad.optim.LrSchedule}). Data preparation is in {@code io.finitegrad.optim.data},
 * the training loop and checkpoints in {@code io.finitegrad.optim.train}.
 */
@LibraryCode
package io.finitegrad.optim;

import io.finitegrad.core.LibraryCode;
