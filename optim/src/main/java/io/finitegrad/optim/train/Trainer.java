package io.finitegrad.optim.train;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.GradClip;
import io.finitegrad.optim.LrSchedule;
import io.finitegrad.optim.Optimizer;
import io.finitegrad.optim.data.DataReport;
import io.finitegrad.optim.data.Dataset;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * The training loop: shuffled mini-batches, forward, loss, backward, optional clipping by global
 * norm, optimiser step, per-epoch metrics into a {@link History}, a progress bar, and a NaN
 * watchdog.
 *
 * <pre>{@code
 * History h = Trainer.builder(model, Losses::softmaxCrossEntropy, new Adam(model.parameters(), 0.01))
 *         .epochs(100).batchSize(16).seed(42).clipNorm(5).build()
 *         .fit(train, test);
 * }</pre>
 *
 * <p>A classification dataset with class-index targets is trained on its one-hot form
 * ({@link Dataset#oneHot()}); accuracy is reported for one-hot targets (argmax of prediction vs
 * argmax of target) and is NaN otherwise.
 *
 * <p>The watchdog: the first non-finite loss, gradient or parameter stops training with a
 * {@link TrainingDivergedException} carrying the guard's entry-point report (in THROW mode, the
 * default, that is the guard's own {@link NonFiniteException}; under WARN/OFF the trainer checks
 * the loss and gradients itself), the epoch and batch, and the history so far. No step with
 * non-finite gradients is applied, and a step that turns a parameter non-finite is undone, so the
 * model keeps the last good parameters. An optimiser set to {@link Optimizer.NonFinitePolicy#SKIP}
 * skips steps with non-finite gradients instead (a non-finite loss still stops training).
 *
 * <p>Unless {@link Builder#quiet} is set, {@link #fit} prints a {@link DataReport} of the training
 * set first, then shows a progress bar (epoch, loss, gradient norm) when a console is attached, or
 * one line per epoch otherwise.
 *
 * @throws IllegalArgumentException from the builder for a missing model, loss or optimiser, and
 *     non-positive epochs, batch size or clip norm
 */
public final class Trainer {
    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final double clipNorm;
    private final LrSchedule schedule;
    private final boolean quiet;
    private final PrintStream out;
    private final List<TrainingListener> listeners;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.clipNorm = b.clipNorm;
        this.schedule = b.schedule;
        this.quiet = b.quiet;
        this.out = b.out;
        this.listeners = List.copyOf(b.listeners);
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

        /** Sets the optimiser's learning rate to {@code schedule.lr(epoch - 1)} at the start of each epoch. */
        public Builder schedule(LrSchedule s) {
            schedule = Objects.requireNonNull(s, "schedule");
            return this;
        }

        /** No data report, progress bar or epoch lines (tests, batch jobs). */
        public Builder quiet(boolean q) {
            quiet = q;
            return this;
        }

        /** Where the data report and epoch lines go (default System.out). */
        public Builder output(PrintStream p) {
            out = Objects.requireNonNull(p, "output");
            return this;
        }

        public Builder listener(TrainingListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
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
     * Trains for the configured epochs, evaluating on {@code test} (may be null) after each in eval
     * mode. The model is left in eval mode ({@link Layer#eval()}), ready for inference.
     *
     * @throws TrainingDivergedException at the first non-finite loss, gradient or parameter
     */
    public History fit(Dataset train, Dataset test) {
        Objects.requireNonNull(train, "train");
        Dataset tr = train.isClassification() ? train.oneHot() : train;
        Dataset te = test == null ? null : test.isClassification() ? test.oneHot() : test;
        if (!quiet) out.print(DataReport.of(train));
        List<Var> params = model.parameters();
        double[][] backup = new double[params.size()][];
        for (int k = 0; k < backup.length; k++) backup[k] = new double[params.get(k).data().getNumElements()];
        Random rng = new Random(seed);
        History history = new History();
        model.train();
        try (ProgressBar bar = progressBar()) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                if (schedule != null) optimizer.setLr(schedule.lr(epoch - 1));
                double lossSum = 0, normSum = 0, maxNorm = 0;
                int correct = 0, steps = 0;
                for (Dataset.Batch b : tr.batches(batchSize, rng)) {
                    double[] stats = step(b, epoch, params, backup, history);
                    lossSum += stats[0] * b.features().rows();
                    correct += (int) stats[2];
                    if (!Double.isNaN(stats[1])) {
                        normSum += stats[1];
                        maxNorm = Math.max(maxNorm, stats[1]);
                        steps++;
                    }
                }
                boolean classify = tr.targets().cols() > 1;
                double[] testStats = te == null ? new double[] {Double.NaN, Double.NaN} : evaluate(te, epoch, history);
                History.Epoch rec = new History.Epoch(epoch, lossSum / tr.size(),
                        classify ? (double) correct / tr.size() : Double.NaN, steps == 0 ? Double.NaN : normSum / steps,
                        steps == 0 ? Double.NaN : maxNorm, optimizer.lr(), testStats[0], testStats[1]);
                history.add(rec);
                for (TrainingListener l : listeners) l.afterEpoch(rec);
                report(bar, rec);
            }
        } finally {
            model.eval();
        }
        return history;
    }

    /** One batch; returns {loss, pre-clip grad norm (NaN if skipped), correct predictions}. */
    private double[] step(Dataset.Batch b, int epoch, List<Var> params, double[][] backup, History history) {
        int batch = b.index();
        try {
            Var x = Var.input("x", b.features());
            Var y = Var.input("y", b.targets());
            Var pred = model.forward(x);
            Var l = loss.apply(pred, y);
            double value = l.item();
            if (!Double.isFinite(value)) {
                throw diverged("the loss is " + value, l.valueReport(), epoch, batch, history, null);
            }
            for (Var p : params) p.zeroGrad();
            l.backward();
            // byGlobalNorm returns the norm before clipping and leaves non-finite gradients alone
            double norm = Double.isNaN(clipNorm) ? GradClip.globalNorm(params) : GradClip.byGlobalNorm(params, clipNorm);
            if (!Double.isFinite(norm)) {
                if (optimizer.nonFinitePolicy() == Optimizer.NonFinitePolicy.SKIP) {
                    optimizer.step(); // counts the skip, changes nothing
                    return new double[] {value, Double.NaN, correct(pred, b.targets())};
                }
                throw diverged("the gradient global norm is " + norm + " (" + nonFiniteNames(params) + ")",
                        firstGradientReport(params), epoch, batch, history, null);
            }
            for (int k = 0; k < backup.length; k++) {
                System.arraycopy(params.get(k).data().data, 0, backup[k], 0, backup[k].length);
            }
            optimizer.step();
            checkParameters(params, backup, epoch, batch, history);
            for (TrainingListener t : listeners) t.afterStep(epoch, batch, value, norm);
            return new double[] {value, norm, correct(pred, b.targets())};
        } catch (NonFiniteException e) {
            throw diverged("the guard stopped a NaN/Inf", e.report(), epoch, batch, history, e);
        }
    }

    /** Undoes a step that made a parameter non-finite, and reports it through the guard. */
    private void checkParameters(List<Var> params, double[][] backup, int epoch, int batch, History history) {
        for (int k = 0; k < backup.length; k++) {
            Var p = params.get(k);
            if (FiniteScan.allFinite(p.data())) continue;
            Tensor bad = p.value();
            for (int j = 0; j < backup.length; j++) {
                System.arraycopy(backup[j], 0, params.get(j).data().data, 0, backup[j].length);
            }
            NanReport report;
            try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
                Var.param(p.name(), bad);
                report = g.reports().isEmpty() ? null : g.reports().get(0);
            }
            throw diverged("the optimiser step made parameter '" + p.name() + "' non-finite (" + bad.scan()
                    + ") from finite gradients; the step was undone", report, epoch, batch, history, null);
        }
    }

    private double[] evaluate(Dataset te, int epoch, History history) {
        model.eval();
        try {
            Var pred = model.forward(Var.input("x", te.features()));
            double l = loss.apply(pred, Var.input("y", te.targets())).item();
            if (!Double.isFinite(l)) throw diverged("the test loss is " + l, pred.valueReport(), epoch, -1, history, null);
            double acc = te.targets().cols() > 1 ? correct(pred, te.targets()) / te.size() : Double.NaN;
            return new double[] {l, acc};
        } catch (NonFiniteException e) {
            throw diverged("the guard stopped a NaN/Inf on the test set", e.report(), epoch, -1, history, e);
        } finally {
            model.train();
        }
    }

    private static double correct(Var pred, Tensor targets) {
        if (targets.cols() < 2 || pred.cols() != targets.cols()) return 0;
        double[] p = pred.data().data;
        int c = targets.cols(), n = 0;
        for (int i = 0; i < targets.rows(); i++) {
            int bp = 0, bt = 0;
            for (int j = 1; j < c; j++) {
                if (p[i * c + j] > p[i * c + bp]) bp = j;
                if (targets.get(i, j) > targets.get(i, bt)) bt = j;
            }
            if (bp == bt) n++;
        }
        return n;
    }

    private static NanReport firstGradientReport(List<Var> params) {
        for (Var p : params) if (p.gradientReport() != null) return p.gradientReport();
        return null;
    }

    private static String nonFiniteNames(List<Var> params) {
        List<String> names = new ArrayList<>();
        for (Var p : params) if (p.gradData() != null && !FiniteScan.allFinite(p.gradData())) names.add(p.name());
        return "non-finite gradients in " + names;
    }

    private static TrainingDivergedException diverged(String what, NanReport report, int epoch, int batch,
                                                      History history, Throwable cause) {
        String where = batch >= 0 ? "epoch " + epoch + ", batch " + batch : "epoch " + epoch + " (test evaluation)";
        return new TrainingDivergedException("Training diverged at " + where + ": " + what
                + ". The model keeps the parameters of the last good step; " + history.size()
                + " epoch(s) completed. Try a lower learning rate, gradient clipping (clipNorm) or standardised inputs.",
                report, epoch, batch, history.copy(), cause);
    }

    private ProgressBar progressBar() {
        if (quiet || System.console() == null) return null;
        return new ProgressBarBuilder().setTaskName("Training").setInitialMax(epochs).setUnit(" epochs", 1).build();
    }

    private void report(ProgressBar bar, History.Epoch r) {
        String msg = String.format(Locale.ROOT, "loss %.4f |g| %.3g%s", r.loss(), r.gradNorm(),
                Double.isNaN(r.accuracy()) ? "" : String.format(Locale.ROOT, " acc %.3f", r.accuracy()));
        if (bar != null) {
            bar.setExtraMessage(msg);
            bar.step();
        } else if (!quiet) {
            out.printf(Locale.ROOT, "epoch %d/%d %s lr %.3g%s%n", r.epoch(), epochs, msg, r.lr(),
                    Double.isNaN(r.testLoss()) ? "" : String.format(Locale.ROOT, " test loss %.4f acc %.3f", r.testLoss(),
                            r.testAccuracy()));
        }
    }
}
