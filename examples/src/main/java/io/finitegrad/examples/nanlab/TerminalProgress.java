package io.finitegrad.examples.nanlab;

import io.finitegrad.layers.Layer;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.Decision;
import io.finitegrad.optim.train.History;
import io.finitegrad.optim.train.TrainingListener;
import java.util.Locale;
import java.util.function.Function;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A training progress bar for the terminal: task, epochs done, loss and gradient norm, drawn in at
 * most 79 columns so an 80-column terminal never wraps it, and erased when training ends so the
 * results that follow stand alone. When the output is not a terminal (a pipe, a file, a test) or
 * the user asked for quiet, nothing is drawn.
 */
final class TerminalProgress implements TrainingListener {
    /** Columns the bar may use: one less than a classic terminal, so the cursor never wraps. */
    static final int WIDTH = 79;
    private final String task;
    private ProgressBar bar;
    /** The loss scale of the last step and the steps skipped so far, or 0 without loss scaling. */
    private double scale;
    private int skipped;

    private TerminalProgress(String task) {
        this.task = task;
    }

    /** Progress listeners for tasks: bars when a terminal is attached and not {@code quiet}, else silent ones. */
    static Function<String, TrainingListener> factory(boolean quiet) {
        if (quiet || System.console() == null) return task -> new TrainingListener() { };
        return TerminalProgress::new;
    }

    @Override
    public void onTrainBegin(Layer model, Dataset train, Dataset test, int epochs) {
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(epochs).setMaxRenderedLength(WIDTH)
                .clearDisplayOnFinish().hideEta().build();
    }

    @Override
    public Decision afterEpoch(History.Epoch r) {
        String scaling = scale == 0 ? "" : " scale 2^" + Math.getExponent(scale) + (skipped == 0 ? "" : " (" + skipped + " skipped)");
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3g |g| %.2g", r.loss(), r.gradNorm()) + scaling);
        bar.step();
        return Decision.CONTINUE;
    }

    @Override
    public void onLossScale(int epoch, int batch, double scale, boolean skipped) {
        this.scale = scale;
        if (skipped) this.skipped++;
    }

    @Override
    public void onTrainEnd(History history) {
        if (bar != null) bar.close();
        bar = null;
    }
}
