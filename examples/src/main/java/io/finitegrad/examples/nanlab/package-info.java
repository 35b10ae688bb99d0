/**
 * nanlab, the teaching tool: classic NaN/Inf scenarios reproduced as real models run through
 * finitegrad, located by its guard, and fixed; plus {@code train}/{@code predict} for an MLP on any
 * CSV. {@link io.finitegrad.examples.nanlab.NanLab} is the command line (picocli); the runnable jar
 * is {@code examples/target/nanlab.jar}.
 *
 * <h2>Adding a lesson</h2>
 *
 * One class in {@code io.finitegrad.examples.nanlab.scenarios} implementing
 * {@link io.finitegrad.examples.nanlab.Scenario}, and one line in
 * {@link io.finitegrad.examples.nanlab.Scenarios}' list. The class states its number, a short
 * kebab-case name, what breaks (one line), the lesson (the textbook setup, why it breaks and in
 * which formats), its format ({@code precision()}: the one the textbook setup breaks in, float32
 * for most, float16 where only it breaks at ordinary sizes), the fix (one line), the guard mode of
 * the broken run (THROW, or WARN for a finite loss with a NaN gradient), and its
 * {@link io.finitegrad.examples.nanlab.Expected} outcome: the entry point (phase, op, cause),
 * {@code Expected.finite} for a lesson that is not a NaN or {@code Expected.frozen} for gradients
 * that underflow to 0, the loss the fixed run must get below, and with {@code withFormat} what
 * differs in other formats (the tour checks every format). Commands run both versions inside
 * {@code Precision.emulate(format)} ({@code Scenarios.broken}/{@code fixed}).
 * In WARN mode an infinite forward value hidden by a mask (a {@code where}) is one report whose
 * {@code consequences()} hold the backward step where the NaN enters; such a lesson states
 * {@code Expected.entry(FORWARD, op, cause, loss).then(backwardCause)} (16 does).
 * Every entry also says its kind, {@code presentAtInit()} (a formula, the data, the
 * initialisation: {@code nanlab check} must find and confirm it before the first step) or
 * {@code madeByTraining()} (the check certifies the initial weights and reports the radius at which
 * a node can first fail); see {@link io.finitegrad.examples.nanlab.Expected.Kind}.
 * The lesson exposes its model for that check ({@code Scenario.check}): build model, loss, optimiser
 * and data once in a {@link io.finitegrad.examples.nanlab.Fit}, whose {@code run} trains them and
 * whose {@code check} analyses the same model and loss over the data's column ranges.
 * Its two runs build everything from {@link io.finitegrad.examples.nanlab.Lab#seed()} and return
 * an {@link io.finitegrad.examples.nanlab.Outcome}, printing nothing:
 *
 * <ul>
 *   <li>a training run: {@link io.finitegrad.examples.nanlab.Fit#run} (model, loss, optimiser, the
 *       data, batch size and a trainer configuration, under the scenario's guard mode);
 *   <li>a single computation: {@link io.finitegrad.examples.nanlab.Runs#compute} (forward, then
 *       backward if finite);
 *   <li>measurements the lesson shows (per-layer saturation, say) go in with
 *       {@link io.finitegrad.examples.nanlab.Outcome#withNotes}.
 * </ul>
 *
 * {@code SoftmaxOverflow} (7, float16), {@code LearningRateTooHigh} (5, float32, notes),
 * {@code MaskedBranch} (16, WARN mode) and {@code GradientUnderflow} (18, frozen, dynamic loss
 * scaling) are the patterns. {@code nanlab list}, {@code run},
 * {@code check}, {@code tour}, the lesson page and the registry-wide test ({@code ScenariosTest}) pick a new lesson
 * up with no other change; add a test for its specific entry point next to the others.
 */
package io.finitegrad.examples.nanlab;
