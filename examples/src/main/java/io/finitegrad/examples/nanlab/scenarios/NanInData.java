package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import io.finitegrad.core.Precision;
import io.finitegrad.examples.nanlab.CheckSpec;
import io.finitegrad.examples.nanlab.Expected;
import io.finitegrad.examples.nanlab.Fit;
import io.finitegrad.examples.nanlab.Lab;
import io.finitegrad.examples.nanlab.Outcome;
import io.finitegrad.examples.nanlab.Scenario;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.BadCellPolicy;
import io.finitegrad.optim.data.Csv;
import io.finitegrad.optim.data.CsvOptions;
import io.finitegrad.optim.data.Dataset;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Random;

/**
 * Lesson 9: a NaN in the input data reaches the gradients although the loss masks its row. A
 * sensor log is read from CSV; one reading is NaN and its row's label was not recorded (the log
 * writes {@link #NO_LABEL}), and the loss leaves unlabelled rows out with a where. The loss is finite, but backward multiplies the row's zero
 * gradient by its NaN input in the first layer's weight gradient: 0 * NaN = NaN. The guard (WARN
 * mode) locates the NaN to its dataset row and feature through the data's provenance.
 */
public final class NanInData implements Scenario {
    /** The CSV's name in the reports. */
    public static final String SOURCE = "sensors.csv";
    /** The data row (0-based) whose reading is missing; row 58 in words, on line 59 of the file. */
    public static final int BAD_ROW = 57;
    /** The feature whose reading is missing. */
    public static final String BAD_FEATURE = "pressure";
    private static final String[] FEATURES = {"temperature", "humidity", "pressure", "wind"};
    /** What the log writes for a label it did not record; the loss masks such rows. */
    public static final double NO_LABEL = -999;
    private static final int ROWS = 160;

    @Override public int number() { return 9; }
    @Override public String name() { return "nan-in-data"; }
    @Override public String breaks() { return "a NaN cell in a masked-out data row still reaches the gradients"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.WARN; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A small regression MLP learns a target from a sensor log read from " + SOURCE + ". One reading ('"
                + BAD_FEATURE + "' in row " + (BAD_ROW + 1) + ") is NaN, and that row's label was not recorded (the "
                + "log writes -999 for it), so the loss leaves it out: the mean over labelled rows of "
                + "where(labelled, (pred - y)^2, 0). "
                + "The loss is finite. But the NaN went through the network: the row's prediction is NaN, the where "
                + "hides it, and in backward the where sends that row a gradient of 0, which the first layer "
                + "multiplies by the row's input to get its weight gradient: 0 * NaN = NaN. Masking in the loss "
                + "does not keep a NaN out of the gradients. The guard runs in WARN mode so you see the finite "
                + "loss, the forward report naming the data row, file line and feature, and what followed in "
                + "backward. "
                + "A NaN in the data is NaN in every format: float32 (the lesson's) breaks as float64 and float16 do.";
    }

    @Override
    public String fix() {
        return "clean before the graph: drop the unlabelled rows from the dataset (or replace the NaN) before training";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "input", Cause.NON_FINITE_INPUT, 0.1).presentAtInit();
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "9 masked in the loss", read(lab.seed()));
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "9 cleaned before the graph", cleaned(lab));
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? cleaned(lab) : read(lab.seed())).check();
    }

    /** The labelled rows only: the NaN reading's row goes with them. */
    private static Dataset cleaned(Lab lab) {
        Dataset all = read(lab.seed());
        Tensor t = all.targets();
        int labelled = 0;
        for (int r = 0; r < t.rows(); r++) if (t.get(r, 0) != NO_LABEL) labelled++;
        int[] keep = new int[labelled];
        for (int r = 0, k = 0; r < t.rows(); r++) if (t.get(r, 0) != NO_LABEL) keep[k++] = r;
        return all.subset(keep);
    }

    private Outcome train(Lab lab, String task, Dataset data) {
        return setup(lab, data).run(lab, task, mode());
    }

    private Fit setup(Lab lab, Dataset data) {
        Random rng = new Random(lab.seed());
        Layer net = new Sequential(
                new Dense("hidden", FEATURES.length, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 16, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return new Fit(net, NanInData::maskedMse, new Adam(net.parameters(), 0.02), data, 32,
                b -> b.epochs(40).seed(lab.seed()));
    }

    /** Mean over labelled rows of where(labelled, (pred - y)^2, 0); unlabelled rows hold {@link #NO_LABEL}. */
    static Var maskedMse(Var pred, Var target) {
        Tensor t = target.value();
        double[] y = new double[t.rows()];
        double[] valid = new double[t.rows()];
        int n = 0;
        for (int r = 0; r < t.rows(); r++) {
            y[r] = t.get(r, 0);
            valid[r] = y[r] == NO_LABEL ? 0 : 1;
            if (valid[r] != 0) n++;
        }
        Var err = pred.sub(Var.constant(Tensor.column(y))).square().label("squared error");
        return err.where(Tensor.column(valid), Var.constant(0)).sum().div(Math.max(n, 1)).label("maskedMse");
    }

    /** The sensor log as CSV text: y = sin(temperature) + humidity * pressure / 2 + noise; one NaN reading, its row unlabelled. */
    static String csv(long seed) {
        Random rng = new Random(seed);
        StringBuilder sb = new StringBuilder(String.join(",", FEATURES)).append(",y\n");
        for (int r = 0; r < ROWS; r++) {
            double[] x = new double[FEATURES.length];
            for (int c = 0; c < x.length; c++) x[c] = rng.nextGaussian();
            double y = Math.sin(x[0]) + 0.5 * x[1] * x[2] + 0.3 * x[3] + 0.05 * rng.nextGaussian();
            boolean bad = r == BAD_ROW;
            for (int c = 0; c < x.length; c++) {
                sb.append(bad && FEATURES[c].equals(BAD_FEATURE) ? "NaN" : String.format(Locale.ROOT, "%.6f", x[c]));
                sb.append(',');
            }
            sb.append(bad ? String.format(Locale.ROOT, "%.0f", NO_LABEL) : String.format(Locale.ROOT, "%.6f", y)).append('\n');
        }
        return sb.toString();
    }

    static Dataset read(long seed) {
        try {
            return Csv.read(new StringReader(csv(seed)), SOURCE,
                    CsvOptions.targets("y").badCells(BadCellPolicy.KEEP_NON_FINITE));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the in-memory " + SOURCE, e);
        }
    }
}
