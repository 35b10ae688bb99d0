package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Stops training when a monitored metric has stopped improving, as Keras's
 * {@code EarlyStopping(monitor, min_delta, patience, mode, restore_best_weights)}: an epoch improves
 * on the best so far if the metric is lower by more than {@code minDelta} (mode MIN; higher for
 * MAX); after {@code patience} epochs in a row without improvement, it asks the {@link Trainer} to
 * stop ({@link Decision#stop}), and {@link History#stopReason()} says why. With
 * {@code restoreBestWeights}, stopping also puts back the parameters and buffers of the best epoch
 * (as Keras, only when it stops; the optimiser's state is not rewound). The metric names are
 * {@link History#metricNames()} ({@code test_loss} is Keras's {@code val_loss}).
 *
 * @throws IllegalArgumentException from the constructor for an unknown metric, a negative patience
 *     or minDelta, and from {@link #onTrainBegin} when a {@code test_} metric is monitored without a
 *     test set
 * @throws IllegalStateException from {@link #afterEpoch} if the monitored metric is NaN (accuracy
 *     of a regressor, say)
 */
public final class EarlyStopping implements TrainingListener {
    /** Whether the metric should go down or up; AUTO picks MAX for accuracies, MIN otherwise (as Keras). */
    public enum Mode { MIN, MAX, AUTO }

    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final boolean maximise;
    private final boolean restoreBestWeights;
    private List<Var> state = List.of();
    private double[][] bestState;
    private double best;
    private int bestEpoch;
    private int wait;

    /** Stops after {@code patience} epochs without improvement of {@code monitor}; mode AUTO, minDelta 0, no restore. */
    public EarlyStopping(String monitor, int patience) {
        this(monitor, patience, 0, Mode.AUTO, false);
    }

    public EarlyStopping(String monitor, int patience, double minDelta, Mode mode, boolean restoreBestWeights) {
        if (monitor == null || monitor.equals("epoch")) {
            throw new IllegalArgumentException("EarlyStopping: monitor must be one of " + History.metricNames().subList(1,
                    History.metricNames().size()) + ", got " + monitor);
        }
        History.column(monitor); // validates the name
        if (patience < 0) throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + patience);
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("EarlyStopping: minDelta must be >= 0 and finite, got " + minDelta);
        }
        if (mode == null) throw new IllegalArgumentException("EarlyStopping: mode is null");
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.maximise = mode == Mode.MAX || mode == Mode.AUTO && monitor.contains("accuracy");
        this.restoreBestWeights = restoreBestWeights;
    }

    @Override
    public void onTrainBegin(Layer model, Dataset train, Dataset test, int epochs) {
        if (test == null && monitor.startsWith("test_")) {
            throw new IllegalArgumentException("EarlyStopping: monitors '" + monitor + "' but fit was given no test set");
        }
        best = maximise ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        bestEpoch = 0;
        wait = 0;
        if (restoreBestWeights) {
            List<Var> s = new ArrayList<>(model.parameters());
            s.addAll(model.buffers());
            state = s;
            bestState = new double[s.size()][];
            for (int k = 0; k < bestState.length; k++) bestState[k] = new double[s.get(k).read().getNumElements()];
        }
    }

    @Override
    public Decision afterEpoch(History.Epoch record) {
        double value = record.metric(monitor);
        if (Double.isNaN(value)) {
            throw new IllegalStateException("EarlyStopping: '" + monitor + "' is NaN at epoch " + record.epoch()
                    + " (accuracy applies only to one-hot classification targets)");
        }
        if (maximise ? value > best + minDelta : value < best - minDelta) {
            best = value;
            bestEpoch = record.epoch();
            wait = 0;
            if (restoreBestWeights) copy(true);
            return Decision.CONTINUE;
        }
        // as Keras: patience 0 and 1 both stop at the first epoch without improvement
        if (++wait < Math.max(1, patience)) return Decision.CONTINUE;
        boolean restore = restoreBestWeights && bestEpoch > 0;
        if (restore) copy(false);
        return Decision.stop(String.format(Locale.ROOT, "EarlyStopping: %s did not improve by more than %s for %d "
                + "epoch(s); best %.6g at epoch %d%s", monitor, minDelta, wait, best, bestEpoch,
                restore ? ", whose weights were restored" : ""));
    }

    /** The epoch with the best value so far (0 before the first). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The best value of the monitored metric so far. */
    public double best() {
        return best;
    }

    private void copy(boolean save) {
        for (int k = 0; k < bestState.length; k++) {
            Var v = state.get(k);
            if (save) System.arraycopy(v.read().data, 0, bestState[k], 0, bestState[k].length);
            else System.arraycopy(bestState[k], 0, v.write().data, 0, bestState[k].length);
        }
    }
}
