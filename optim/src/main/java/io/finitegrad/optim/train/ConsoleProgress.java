package io.finitegrad.optim.train;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.data.DataReport;
import io.finitegrad.optim.data.Dataset;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Console output of {@link Trainer#fit} as a listener: the training set's {@link DataReport} first,
 * then a progress bar (epoch, loss, gradient norm, accuracy, and the loss scale when loss scaling is
 * on) when a console is attached, or one line per epoch otherwise (wrapped at 80 columns), a line per early warning, and the stop reason when a listener ended training early. The Trainer adds
 * one unless {@link Trainer.Builder#quiet} is set.
 */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private final boolean bar;
    private ProgressBar progress;
    private int epochs;
    private double scale = Double.NaN;
    private int skipped;

    /** Progress on {@code out}, as a bar if a console is attached. */
    public ConsoleProgress(PrintStream out) {
        this(out, System.console() != null);
    }

    /**
     * Progress on {@code out}: a bar (drawn on the console) if {@code bar}, else one line per epoch.
     *
     * @throws NullPointerException if {@code out} is null
     */
    public ConsoleProgress(PrintStream out, boolean bar) {
        this.out = java.util.Objects.requireNonNull(out, "out");
        this.bar = bar;
    }

    @Override
    public void onTrainBegin(Layer model, Dataset train, Dataset test, int epochs) {
        this.epochs = epochs;
        out.print(DataReport.of(train));
        if (bar) progress = new ProgressBarBuilder().setTaskName("Training").setInitialMax(epochs).setUnit(" epochs", 1).build();
    }

    @Override
    public void onWarning(int epoch, int batch, EarlyWarning w) {
        String where = batch >= 0 ? "epoch " + epoch + ", batch " + batch : "epoch " + epoch + ", test set";
        out.println("warning (" + where + "): " + w.message());
    }

    @Override
    public void onLossScale(int epoch, int batch, double scale, boolean skipped) {
        this.scale = scale;
        if (skipped) this.skipped++;
    }

    @Override
    public Decision afterEpoch(History.Epoch r) {
        String msg = String.format(Locale.ROOT, "loss %.4f |g| %.3g%s", r.loss(), r.gradNorm(),
                Double.isNaN(r.accuracy()) ? "" : String.format(Locale.ROOT, " acc %.3f", r.accuracy()));
        // the scale of the epoch's last step, and the steps skipped in the epoch for an overflow
        String scaled = Double.isNaN(scale) ? null
                : "scale " + LossScaler.describe(scale) + (skipped == 0 ? "" : " (" + skipped + " skipped)");
        skipped = 0;
        if (progress != null) {
            progress.setExtraMessage(scaled == null ? msg : msg + " " + scaled);
            progress.step();
        } else {
            String test = Double.isNaN(r.testLoss()) ? null
                    : String.format(Locale.ROOT, "test loss %.4f acc %.3f", r.testLoss(), r.testAccuracy());
            out.print(wrap(String.format(Locale.ROOT, "epoch %d/%d %s", r.epoch(), epochs, msg),
                    String.format(Locale.ROOT, "lr %.3g", r.lr()), test, scaled));
        }
        return Decision.CONTINUE;
    }

    /** Joins the parts (null ones left out) with spaces into lines of at most 80 columns, continued indented. */
    static String wrap(String first, String... rest) {
        StringBuilder all = new StringBuilder(first);
        int lineStart = 0;
        for (String part : rest) {
            if (part == null) continue;
            if (all.length() - lineStart + 1 + part.length() > WIDTH) {
                all.append(System.lineSeparator());
                lineStart = all.length();
                all.append("  ");
            } else {
                all.append(' ');
            }
            all.append(part);
        }
        return all.append(System.lineSeparator()).toString();
    }

    /** The terminal width the epoch lines keep to. */
    private static final int WIDTH = 80;

    @Override
    public void onTrainEnd(History history) {
        if (progress != null) {
            progress.close();
            progress = null;
        }
        if (history.stoppedEarly()) out.println("Stopped after epoch " + history.size() + ": " + history.stopReason());
    }
}
