package io.finitegrad.optim.train;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.WarningThresholds;
import io.finitegrad.autodiff.Warnings;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import io.finitegrad.core.StepBuffers;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.GradClip;
import io.finitegrad.optim.LrSchedule;
import io.finitegrad.optim.NonFiniteGradients;
import io.finitegrad.optim.NonFiniteUpdateException;
import io.finitegrad.optim.Optimizer;
import io.finitegrad.optim.data.Dataset;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The training loop: shuffled mini-batches, forward, loss, backward, optional clipping by global
 * norm, optimiser step, per-epoch metrics into a {@link History}, and listeners that may stop it
 * ({@link EarlyStopping}); plus {@link #evaluate} and {@link #predict}, as Keras's model offers them.
 * The parts live apart: the NaN watchdog ({@code Watchdog}), the metrics ({@code Metrics}), the
 * console output ({@link ConsoleProgress}) and evaluation ({@link Evaluator}).
 *
 * <pre>{@code
 * History h = Trainer.builder(model, Losses::softmaxCrossEntropy, new Adam(model.parameters(), 0.01))
 *         .epochs(100).batchSize(16).seed(42).clipNorm(5).build()
 *         .fit(train, test);
 * }</pre>
 *
 * <p>Before the first step, {@link #fit} checks that both datasets fit the model (a dry-run forward
 * of one row in eval mode: feature count, class count or target width vs the output width; a test
 * set's classes are matched to the training set's by name) and that the optimiser's parameters are
 * the model's or a subset of them (frozen layers), so a bad dataset fails before any weight changes.
 *
 * <p>A classification dataset with class-index targets is trained on its one-hot form
 * ({@link Dataset#oneHot()}); accuracy is reported for one-hot targets (argmax of prediction vs
 * argmax of target) and is NaN otherwise.
 *
 * <p>The watchdog: the first non-finite loss, gradient or parameter stops training with a
 * {@link TrainingDivergedException} carrying the guard's entry-point report (in THROW mode, the
 * default, that is the guard's own {@link NonFiniteException}; under WARN/OFF the trainer checks
 * the loss and gradients itself), the epoch and batch, and the history so far. No step with
 * non-finite gradients is applied, and a step that would turn a parameter non-finite is refused by
 * the optimiser before it writes anything ({@link NonFiniteUpdateException}), so the model keeps the
 * last good parameters and the optimiser its state of then. An optimiser set to {@link Optimizer.NonFinitePolicy#SKIP}
 * skips steps with non-finite gradients instead (a non-finite loss still stops training).
 *
 * <p>Early warnings ({@link Warnings}): unless switched off ({@link Builder#warnings(boolean)}),
 * {@link #fit} watches the layers for exploding or vanishing gradients and values near overflow and
 * hands each warning to the listeners ({@link TrainingListener#onWarning}) after the batch that
 * raised it, before a divergence it foretold is thrown.
 *
 * <p>Precision and loss scaling: {@link Builder#precision} runs fit, evaluate and predict in an
 * emulated format ({@link Precision#emulate}; parameters and optimiser state stay float64 masters
 * unless the thread's emulation rounds parameters). {@link Builder#lossScale} and
 * {@link Builder#dynamicLossScale()} start each backward pass from the loss scale instead of 1, so
 * that gradients too small for the format survive, and divide the gradients by it in float64 before
 * clipping and the step. Under a dynamic scale the Trainer, not autodiff, classifies a non-finite
 * gradient: one the guard diagnosed as an overflow ({@code OVERFLOW}, {@code EXP_OVERFLOW}, an
 * overflowing accumulation) halves the scale and skips the step, as PyTorch's {@code GradScaler}
 * does; NaN data, 0 x Inf, 0/0 or an undefined op stay divergence ({@link TrainingDivergedException}),
 * where GradScaler would skip them too. The {@link History} records the scale and the skipped steps
 * per epoch, listeners hear of both per step ({@link TrainingListener#onLossScale}). Without loss
 * scaling a step is what it always was.
 *
 * <p>Unless {@link Builder#quiet} is set, a {@link ConsoleProgress} prints a data report of the
 * training set first, then a progress bar when a console is attached, or one line per epoch
 * otherwise.
 *
 * @throws IllegalArgumentException from the builder for a missing model, loss or optimiser, and
 *     non-positive epochs, batch size or clip norm; from {@link #fit}, {@link #evaluate} and
 *     {@link #predict} for datasets that do not fit the model
 */
public final class Trainer {
    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final int epochs;
    private final int batchSize;
    /** The result buffers each step reuses (this Trainer owns its graphs), kept across fits. */
    private final StepBuffers stepBuffers = new StepBuffers();
    private final long seed;
    private final double clipNorm;
    private final LrSchedule schedule;
    private final List<TrainingListener> listeners;
    private final WarningThresholds warnings;
    private final Precision precision;
    private final LossScaler scaler;
    private Evaluator evaluator;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.clipNorm = b.clipNorm;
        this.schedule = b.schedule;
        List<TrainingListener> all = new ArrayList<>(b.listeners);
        if (!b.quiet) all.add(new ConsoleProgress(b.out)); // last, so it reports what the others decided
        this.listeners = List.copyOf(all);
        this.warnings = b.warnings;
        this.precision = b.precision;
        this.scaler = b.scaler;
        this.evaluator = new Evaluator(model, loss);
    }

    /** A builder; defaults: 10 epochs, batch size 32, seed 0, no clipping, constant learning rate. */
    public static Builder builder(Layer model, Loss loss, Optimizer optimizer) {
        return new Builder(model, loss, optimizer);
    }

    /** Configures a {@link Trainer}. */
    public static final class Builder {
        private final Layer model;
        private final Loss loss;
        private final Optimizer optimizer;
        private int epochs = 10;
        private int batchSize = 32;
        private long seed;
        private double clipNorm = Double.NaN;
        private LrSchedule schedule;
        private boolean quiet;
        private PrintStream out = System.out;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private WarningThresholds warnings = WarningThresholds.defaults();
        private Precision precision;
        private LossScaler scaler;

        private Builder(Layer model, Loss loss, Optimizer optimizer) {
            if (model == null || loss == null || optimizer == null) {
                throw new IllegalArgumentException("Trainer.builder: model, loss and optimizer are required, got "
                        + model + ", " + loss + ", " + optimizer);
            }
            this.model = model;
            this.loss = loss;
            this.optimizer = optimizer;
        }

        public Builder epochs(int n) {
            if (n <= 0) throw new IllegalArgumentException("Trainer: epochs must be > 0, got " + n);
            epochs = n;
            return this;
        }

        public Builder batchSize(int n) {
            if (n <= 0) throw new IllegalArgumentException("Trainer: batchSize must be > 0, got " + n);
            batchSize = n;
            return this;
        }

        /** Seed of the batch shuffling. */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** Clips gradients to this global L2 norm before each step. */
        public Builder clipNorm(double maxNorm) {
            if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
                throw new IllegalArgumentException("Trainer: clipNorm must be > 0 and finite, got " + maxNorm);
            }
            clipNorm = maxNorm;
            return this;
        }

        /**
         * Sets the optimiser's learning rate to {@code schedule.lr(epoch - 1)} at the start of each
         * epoch; {@link #fit} throws IllegalArgumentException naming the schedule and the epoch,
         * before the first step, when it gives a rate that is not positive and finite for any epoch.
         */
        public Builder schedule(LrSchedule s) {
            if (s == null) throw new IllegalArgumentException("Trainer: schedule is null");
            schedule = s;
            return this;
        }

        /** No data report, progress bar or epoch lines (tests, batch jobs). */
        public Builder quiet(boolean q) {
            quiet = q;
            return this;
        }

        /** Where the data report and epoch lines go (default System.out). */
        public Builder output(PrintStream p) {
            if (p == null) throw new IllegalArgumentException("Trainer: output is null");
            out = p;
            return this;
        }

        /** Adds a listener; they are called in the order added (the console output, if any, last). */
        public Builder listener(TrainingListener l) {
            if (l == null) throw new IllegalArgumentException("Trainer: listener is null");
            listeners.add(l);
            return this;
        }

        /** Early warnings on (the default, with {@link WarningThresholds#defaults()}) or off. */
        public Builder warnings(boolean on) {
            warnings = on ? WarningThresholds.defaults() : null;
            return this;
        }

        /** Early warnings on, with these thresholds. */
        public Builder warnings(WarningThresholds thresholds) {
            if (thresholds == null) throw new IllegalArgumentException("Trainer: warning thresholds are null");
            warnings = thresholds;
            return this;
        }

        /**
         * Runs {@link #fit}, {@link #evaluate} and {@link #predict} inside
         * {@code Precision.emulate(p)} (keeping the thread's roundParameters setting); by default
         * they run in the thread's current format.
         *
         * @throws IllegalArgumentException if {@code p} is null
         */
        public Builder precision(Precision p) {
            if (p == null) throw new IllegalArgumentException("Trainer: precision is null");
            precision = p;
            return this;
        }

        /**
         * A static loss scale: every backward pass starts from {@code scale} (the loss's upstream
         * gradient) and the gradients are divided by it in float64 before clipping and the step. A
         * gradient that overflows under it is divergence, as without a scale. Replaces an earlier
         * loss-scale setting.
         *
         * @throws IllegalArgumentException unless {@code scale} is a power of two > 0 (naming it);
         *     {@link #fit} throws it before the first step if the scale is Infinity in the format
         *     (above 2^15 in float16)
         */
        public Builder lossScale(double scale) {
            scaler = LossScaler.fixed(scale);
            return this;
        }

        /**
         * A dynamic loss scale, as PyTorch's {@code GradScaler} with its defaults: it starts at
         * 2^16 (65,536) in float64, float32 and bfloat16 and at 2^15 in float16, where 2^16 is
         * already Infinity (float16's largest finite value is 65,504); it doubles after 2,000
         * steps in a row without overflow, never beyond the format's largest power of two; a
         * gradient that overflows halves it and the step is skipped. Replaces an earlier
         * loss-scale setting. See {@link #dynamicLossScale(double, int)}.
         */
        public Builder dynamicLossScale() {
            scaler = LossScaler.dynamic(Double.NaN, LossScaler.DEFAULT_GROWTH_INTERVAL);
            return this;
        }

        /**
         * A dynamic loss scale starting at {@code initScale} and doubling after
         * {@code growthInterval} clean steps (GradScaler's {@code init_scale} and
         * {@code growth_interval}); otherwise as {@link #dynamicLossScale()}. An overflow at the
         * format's smallest normal power of two (2^-14 in float16), which no scale cures, is
         * divergence.
         *
         * @throws IllegalArgumentException unless {@code initScale} is a power of two > 0 and
         *     {@code growthInterval} > 0 (naming the value)
         */
        public Builder dynamicLossScale(double initScale, int growthInterval) {
            scaler = LossScaler.dynamic(initScale, growthInterval);
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }

    /** Trains on {@code train} without a test set. */
    public History fit(Dataset train) {
        return fit(train, null);
    }

    /**
     * Trains for the configured epochs or until a listener stops it, evaluating on {@code test} (may
     * be null) after each epoch in eval mode. The model is left in eval mode ({@link Layer#eval()}),
     * ready for inference; {@link #evaluate} and {@link #predict} then use the training set's classes.
     *
     * @throws IllegalArgumentException before any step if a dataset does not fit the model, the
     *     optimiser updates a parameter that is not the model's, or the schedule gives a learning
     *     rate that is not positive and finite for one of the epochs (naming the schedule and epoch)
     * @throws TrainingDivergedException at the first non-finite loss, gradient or parameter update
     * @throws IllegalStateException if a listener's afterEpoch returns null
     */
    @SuppressWarnings("try") // the scope is opened for its effect on this thread
    public History fit(Dataset train, Dataset test) {
        try (Emulation e = emulation()) {
            return fitInFormat(train, test);
        }
    }

    /** The scope of {@link Builder#precision}, or null (try-with-resources skips it) to run in the current format. */
    private Emulation emulation() {
        if (precision == null) return null;
        boolean round = PrecisionState.get().roundParameters(); // read before the new scope resets it
        return Precision.emulate(precision).roundParameters(round);
    }

    private History fitInFormat(Dataset train, Dataset test) {
        if (train == null) throw new IllegalArgumentException("Trainer.fit: the training set is null");
        Evaluator ev = new Evaluator(model, loss, train.isClassification() ? train.classes() : null);
        FitCheck.check(model, optimizer, ev, train, test);
        // a schedule is a function of the epoch: a bad rate late in training is found before the first step
        for (int epoch = 1; schedule != null && epoch <= epochs; epoch++) scheduledLr(epoch);
        if (scaler != null) scaler.begin(Precision.current());
        evaluator = ev;
        Dataset tr = train.isClassification() ? train.oneHot() : train;
        Tensor testTargets = test == null ? null : ev.targets(test);
        boolean classify = tr.targets().cols() > 1;
        List<Var> modelParams = model.parameters();
        List<Var> params = optimizer.parameters();
        Random rng = new Random(seed);
        History history = new History();
        Watchdog watchdog = new Watchdog(history);
        Metrics metrics = new Metrics();
        Warnings.Collector watch = warnings == null ? null : Warnings.collect(warnings);
        // the Trainer owns its graphs, so each step reuses the last one's result buffers, across
        // fits too (unless a loop around this fit already recycles)
        StepBuffers buffers = StepBuffers.active() ? null : stepBuffers.open();
        try {
            for (TrainingListener l : listeners) l.onTrainBegin(model, train, test, epochs);
            model.train();
            for (int epoch = 1; epoch <= epochs && !history.stoppedEarly(); epoch++) {
                if (schedule != null) optimizer.setLr(scheduledLr(epoch));
                metrics.reset();
                for (Dataset.Batch b : tr.batches(batchSize, rng)) {
                    try {
                        step(b, epoch, classify, modelParams, params, metrics, watchdog, watch, buffers);
                    } finally {
                        handOver(watch, epoch, b.index());
                    }
                }
                Evaluation t;
                try {
                    t = test == null ? null : evaluateTest(ev, test, testTargets, epoch, watchdog);
                } finally {
                    handOver(watch, epoch, -1);
                }
                History.Epoch rec = metrics.epoch(epoch, classify, optimizer.lr(), t);
                history.add(rec, scaler == null ? 1 : scaler.scale(), metrics.skipped());
                String stop = null;
                for (TrainingListener l : listeners) {
                    Decision d = l.afterEpoch(rec);
                    if (d == null) {
                        throw new IllegalStateException("Trainer.fit: listener " + l.getClass().getName()
                                + " returned null from afterEpoch; return Decision.CONTINUE to carry on");
                    }
                    if (d.stops()) stop = stop == null ? d.reason() : stop + "; " + d.reason();
                }
                if (stop != null) history.end(stop, true);
            }
            if (!history.stoppedEarly()) history.end("completed " + history.size() + " of " + epochs + " epochs", false);
        } catch (TrainingDivergedException e) {
            history.end(e.history().stopReason(), false);
            throw e;
        } finally {
            if (buffers != null) buffers.close();
            if (watch != null) watch.close();
            model.eval();
            for (TrainingListener l : listeners) l.onTrainEnd(history);
        }
        return history;
    }

    /**
     * The schedule's learning rate for {@code epoch}, checked here so that a bad one is refused
     * naming the schedule and the epoch, not as a bare bad argument to the optimiser's setter
     * ({@link #fit} asks for every epoch's before the first step, and again at each epoch).
     */
    private double scheduledLr(int epoch) {
        double lr = schedule.lr(epoch - 1);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("Trainer.fit: the learning-rate schedule " + LrSchedule.describe(schedule)
                    + " gave lr(" + (epoch - 1) + ") = " + lr + " for epoch " + epoch + " of " + epochs
                    + "; a learning rate must be > 0 and finite");
        }
        return lr;
    }

    /** Hands the warnings raised since the last hand-over to every listener. */
    private void handOver(Warnings.Collector watch, int epoch, int batch) {
        if (watch == null) return;
        for (EarlyWarning w : watch.drain()) {
            for (TrainingListener l : listeners) l.onWarning(epoch, batch, w);
        }
    }

    /**
     * Loss and accuracy on {@code data} in eval mode, without an update; classes are matched to the
     * last {@link #fit}'s training classes (before any fit, {@code data}'s own).
     */
    @SuppressWarnings("try")
    public Evaluation evaluate(Dataset data) {
        try (Emulation e = emulation()) {
            return evaluator.evaluate(data);
        }
    }

    /** The model's predictions for {@code data}, named by the last fit's training classes (or {@code data}'s own). */
    @SuppressWarnings("try")
    public Predictions predict(Dataset data) {
        try (Emulation e = emulation()) {
            return evaluator.predict(data);
        }
    }

    /** The model's predictions for rows of features; named classes only after a classification {@link #fit}. */
    @SuppressWarnings("try")
    public Predictions predict(Tensor features) {
        try (Emulation e = emulation()) {
            return evaluator.predict(features);
        }
    }

    /**
     * One batch: forward, loss, backward, clip, step; its metrics go into {@code metrics}. After a
     * clean step the next one reuses its buffers; a step that was skipped or that the guard recorded
     * an incident in keeps them, for the reports that may read its nodes later.
     */
    private void step(Dataset.Batch b, int epoch, boolean classify, List<Var> modelParams, List<Var> params,
                      Metrics metrics, Watchdog watchdog, Warnings.Collector watch, StepBuffers buffers) {
        long incidents = FiniteGuard.incidentCount();
        boolean clean = false;
        try {
            clean = step(b, epoch, classify, modelParams, params, metrics, watchdog, watch);
        } finally {
            if (buffers != null) {
                if (clean && FiniteGuard.incidentCount() == incidents) buffers.nextStep();
                else buffers.abandon();
            }
        }
    }

    /** {@link #step(Dataset.Batch, int, boolean, List, List, Metrics, Watchdog, Warnings.Collector, StepBuffers)}; true if the update was applied. */
    private boolean step(Dataset.Batch b, int epoch, boolean classify, List<Var> modelParams, List<Var> params,
                         Metrics metrics, Watchdog watchdog, Warnings.Collector watch) {
        int batch = b.index();
        try {
            Var pred = model.forward(Var.input("x", b.features(), b.provenance()));
            Var l = loss.apply(pred, Var.input("y", b.targets()));
            double value = l.item();
            watchdog.checkLoss(l, value, epoch, batch);
            for (Var p : modelParams) p.zeroGrad();
            int hits = classify ? Metrics.correct(pred, b.targets()) : 0;
            double scale = scaler == null ? 1 : scaler.scale();
            if (scaler == null) {
                l.backward();
            } else if (!scaledBackward(l, params, watch)) {
                skipped(value, b, hits, epoch, batch, scale, metrics);
                return false;
            }
            // byGlobalNorm returns the norm before clipping and leaves non-finite gradients alone
            double norm = Double.isNaN(clipNorm) ? GradClip.globalNorm(params) : GradClip.byGlobalNorm(params, clipNorm);
            if (!Double.isFinite(norm)) {
                if (scaler != null && scaler.isDynamic()
                        && LossScaler.isOverflow(NonFiniteGradients.of(params).firstReport(), params) && scaler.overflowed()) {
                    skipped(value, b, hits, epoch, batch, scale, metrics);
                    return false;
                }
                if (optimizer.nonFinitePolicy() != Optimizer.NonFinitePolicy.SKIP) {
                    throw watchdog.gradients(params, norm, epoch, batch,
                            scaleNote(NonFiniteGradients.of(params).firstReport(), params));
                }
                optimizer.step(); // counts the skip, changes nothing
                metrics.addBatch(value, b.features().rows(), hits);
                metrics.addSkipped();
                if (scaler != null) for (TrainingListener t : listeners) t.onLossScale(epoch, batch, scale, true);
                return false;
            }
            optimizer.step();
            metrics.addBatch(value, b.features().rows(), hits);
            metrics.addGradNorm(norm);
            for (TrainingListener t : listeners) t.afterStep(epoch, batch, value, norm);
            if (scaler != null) {
                scaler.applied();
                for (TrainingListener t : listeners) t.onLossScale(epoch, batch, scale, false);
            }
            return true;
        } catch (NonFiniteException e) {
            throw watchdog.guard(e, epoch, batch, scaleNote(e.report(), params));
        } catch (NonFiniteUpdateException e) {
            throw watchdog.update(e, epoch, batch);
        }
    }

    /**
     * Backpropagates from the loss scale and unscales the gradients; false if the guard stopped at
     * an overflow that the dynamic scale cures (it has halved; the step is to be skipped). The
     * early warnings are told the scale, so that they judge the gradients the step will use.
     */
    private boolean scaledBackward(Var l, List<Var> params, Warnings.Collector watch) {
        if (watch != null) watch.gradientScale(scaler.scale());
        try {
            l.backward(scaler.seed());
        } catch (NonFiniteException e) {
            if (scaler.isDynamic() && LossScaler.isOverflow(e.report(), params) && scaler.overflowed()) return false;
            throw e;
        }
        scaler.unscale(params);
        return true;
    }

    private String scaleNote(NanReport r, List<Var> params) {
        return scaler == null ? "" : scaler.divergenceNote(r, params);
    }

    /** A step skipped for an overflowed gradient under a dynamic scale (which has halved). */
    private void skipped(double loss, Dataset.Batch b, int hits, int epoch, int batch, double scale, Metrics metrics) {
        metrics.addBatch(loss, b.features().rows(), hits);
        metrics.addSkipped();
        for (TrainingListener t : listeners) t.onLossScale(epoch, batch, scale, true);
    }

    private Evaluation evaluateTest(Evaluator ev, Dataset test, Tensor targets, int epoch, Watchdog watchdog) {
        try {
            Var[] predAndLoss = ev.forwardLoss(test, targets);
            Evaluation e = Evaluator.evaluation(predAndLoss, targets);
            watchdog.checkTestLoss(predAndLoss[0], e.loss(), epoch);
            return e;
        } catch (NonFiniteException e) {
            throw watchdog.guard(e, epoch, -1, "");
        } finally {
            model.train();
        }
    }
}
