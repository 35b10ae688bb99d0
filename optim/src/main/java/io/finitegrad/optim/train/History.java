package io.finitegrad.optim.train;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Per-epoch training metrics, as Keras' {@code History}: mean loss, accuracy (one-hot targets
 * only), mean and largest gradient global norm (before clipping), learning rate, and test loss and
 * accuracy when a test set was given. A metric that does not apply is NaN here, an empty cell in
 * CSV and null in JSON. Per epoch it also records the loss scale at the epoch's end
 * ({@link #lossScales()}, 1 without loss scaling) and the steps skipped for a non-finite gradient
 * ({@link #skippedSteps()}), the last two columns of the CSV and JSON; and why training ended
 * ({@link #stopReason()}).
 */
public final class History {
    /** One epoch's metrics; {@code epoch} is 1-based. */
    public record Epoch(int epoch, double loss, double accuracy, double gradNorm, double maxGradNorm, double lr,
                        double testLoss, double testAccuracy) {
        /**
         * The metric named as in the CSV header ({@link History#metricNames()}), e.g. {@code test_loss}.
         *
         * @throws IllegalArgumentException for an unknown name, listing the known ones
         */
        public double metric(String name) {
            return values(this)[column(name)];
        }
    }

    private static final String[] COLUMNS = {"epoch", "loss", "accuracy", "grad_norm", "max_grad_norm", "lr",
        "test_loss", "test_accuracy"};
    private static final String[] SCALE_COLUMNS = {"loss_scale", "skipped_steps"};
    private final List<Epoch> epochs = new ArrayList<>();
    private final List<Double> lossScales = new ArrayList<>();
    private final List<Integer> skipped = new ArrayList<>();
    private String stopReason = "";
    private boolean stoppedEarly;

    /** Adds an epoch's record with the loss scale at its end and its skipped steps. */
    void add(Epoch e, double lossScale, int skippedSteps) {
        epochs.add(e);
        lossScales.add(lossScale);
        skipped.add(skippedSteps);
    }

    /** Records why training ended; {@code early} when a listener stopped it. */
    void end(String reason, boolean early) {
        stopReason = reason;
        stoppedEarly = early;
    }

    /** A copy holding the epochs recorded so far, ended for {@code reason} (training did not stop early). */
    History copy(String reason) {
        History h = new History();
        h.epochs.addAll(epochs);
        h.lossScales.addAll(lossScales);
        h.skipped.addAll(skipped);
        h.stopReason = reason;
        return h;
    }

    /** The metric names accepted by {@link Epoch#metric(String)}, in CSV column order. */
    public static List<String> metricNames() {
        return List.of(COLUMNS);
    }

    static int column(String name) {
        for (int i = 0; i < COLUMNS.length; i++) if (COLUMNS[i].equals(name)) return i;
        throw new IllegalArgumentException("History: unknown metric '" + name + "', expected one of " + metricNames());
    }

    /**
     * Why training ended: "completed 10 of 10 epochs", the reason a listener gave when it stopped
     * training (e.g. {@link EarlyStopping}'s), or, in a {@link TrainingDivergedException}'s history,
     * the divergence. Empty while training runs.
     */
    public String stopReason() {
        return stopReason;
    }

    /** True if a listener stopped training before the configured number of epochs. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    public List<Epoch> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /**
     * The loss scale at the end of each epoch, in epoch order: the scale the next step would start
     * from (a dynamic scale halves on every skipped step and doubles after its growth interval);
     * 1.0 for every epoch without loss scaling.
     */
    public List<Double> lossScales() {
        return Collections.unmodifiableList(lossScales);
    }

    /**
     * Per epoch, in epoch order, the steps whose update was skipped because a gradient was
     * non-finite: overflows under a dynamic loss scale, and steps an optimiser skipped under
     * {@link io.finitegrad.optim.Optimizer.NonFinitePolicy#SKIP}. Their loss counts in the
     * epoch's mean loss; their gradient norm does not count in its gradient norms.
     */
    public List<Integer> skippedSteps() {
        return Collections.unmodifiableList(skipped);
    }

    public int size() {
        return epochs.size();
    }

    /** The last epoch's record. */
    public Epoch last() {
        if (epochs.isEmpty()) throw new IllegalStateException("History.last: no epoch has completed");
        return epochs.get(epochs.size() - 1);
    }

    private static double[] values(Epoch e) {
        return new double[] {e.epoch(), e.loss(), e.accuracy(), e.gradNorm(), e.maxGradNorm(), e.lr(), e.testLoss(),
            e.testAccuracy()};
    }

    /**
     * CSV with a header row: the metrics ({@link #metricNames()}), then {@code loss_scale} and
     * {@code skipped_steps}; full-precision numbers, empty cells for metrics that do not apply.
     */
    public String toCsv() {
        StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append(',')
                .append(String.join(",", SCALE_COLUMNS)).append('\n');
        for (int k = 0; k < epochs.size(); k++) {
            Epoch e = epochs.get(k);
            double[] v = values(e);
            for (int i = 0; i < v.length; i++) {
                if (i > 0) sb.append(',');
                if (i == 0) sb.append(e.epoch());
                else if (Double.isFinite(v[i])) sb.append(String.format(Locale.ROOT, "%s", v[i]));
            }
            sb.append(',').append(String.format(Locale.ROOT, "%s", lossScales.get(k))).append(',').append(skipped.get(k));
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code {"stop_reason": "...", "stopped_early": false, "epochs": [{"epoch": 1, "loss": ..., ...}, ...]}},
     * null for metrics that do not apply.
     */
    public String toJson() {
        JsonMapper json = new JsonMapper();
        ObjectNode root = json.createObjectNode();
        root.put("stop_reason", stopReason);
        root.put("stopped_early", stoppedEarly);
        ArrayNode arr = root.putArray("epochs");
        for (int k = 0; k < epochs.size(); k++) {
            Epoch e = epochs.get(k);
            ObjectNode o = arr.addObject();
            double[] v = values(e);
            o.put(COLUMNS[0], e.epoch());
            for (int i = 1; i < v.length; i++) {
                if (Double.isFinite(v[i])) o.put(COLUMNS[i], v[i]);
                else o.putNull(COLUMNS[i]);
            }
            o.put(SCALE_COLUMNS[0], lossScales.get(k));
            o.put(SCALE_COLUMNS[1], skipped.get(k));
        }
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeCsv(Path file) throws IOException {
        Files.writeString(file, toCsv(), StandardCharsets.UTF_8);
    }

    public void writeJson(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "History " + epochs.size() + " epochs" + (epochs.isEmpty() ? "" : ", last " + last())
                + (stopReason.isEmpty() ? "" : "; " + stopReason);
    }
}
