package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
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
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.Optimizer;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.DataReport;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.StandardScaler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Lesson 6: raw pixel-scale inputs (0 to 255) fed to a network as they are. The data check's
 * {@link DataReport.Kind#UNIT_SCALE} warning starts at 1,000 and stays silent (its findings would
 * be the first notes). The first backward pass multiplies errors in the hundreds by inputs in the hundreds: in float16 the weight
 * gradient passes 65,504, with Adam as with SGD. In float32 it fits, and neither learns: Adam's
 * bounded steps are far too small for such inputs, SGD's far too large. Standardising fixes it.
 */
public final class UnnormalisedInputs implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 4;
    private static final double[] TRUE_WEIGHTS = {1.5, -2.0, 0.5, 1.0};
    private static final double LR = 0.01;

    @Override public int number() { return 6; }
    @Override public String name() { return "unnormalised-inputs"; }
    @Override public String breaks() { return "raw pixel values 0-255: the first weight gradient overflows float16"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT16; }

    @Override
    public String lesson() {
        return "A 4-16-1 ReLU network learns a linear target from features fed as raw pixel values, 0 to 255 "
                + "(around 128), never scaled. They look harmless: the data check warns of a unit scale only above "
                + "1,000 (UNIT_SCALE), and stays silent. The first backward pass multiplies errors in the hundreds "
                + "by inputs in the hundreds and "
                + "sums them over the batch: in float16, whose largest value is 65,504, the weight gradient "
                + "overflows before any step, with Adam (lr 0.01) as with plain SGD (shown). In float32 and float64 "
                + "the gradient fits and neither learns: Adam moves each weight at most about lr a step, far too "
                + "little for such inputs, and SGD's step grows with the inputs' square, some 16,000 times too "
                + "large: the ReLUs die and its loss sticks near 4e8.";
    }

    @Override
    public String fix() {
        return "standardise the features (StandardScaler fitted on the training set), then SGD at the same lr 0.01 trains (80 epochs)";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.BACKWARD, "matmul", Cause.OVERFLOW, 0.15).presentAtInit()
                .withFormat(Precision.FLOAT64, Expected.finite(0.15))
                .withFormat(Precision.FLOAT32, Expected.finite(0.15))
                .withFormat(Precision.BFLOAT16, Expected.finite(0.15));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        Dataset data = data(lab.seed());
        List<String> notes = new ArrayList<>();
        for (DataReport.Finding f : DataReport.of(data).findings(DataReport.Kind.UNIT_SCALE)) {
            notes.add("data check: " + f.message());
        }
        Outcome adam = train(lab, "6 Adam, raw", data, true, 30);
        Outcome sgd = train(lab, "6 SGD, raw", data, false, 30);
        notes.add(describe("Adam lr 0.01", adam));
        notes.add(describe("SGD lr 0.01", sgd));
        return sgd.withNotes(notes);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        Dataset raw = data(lab.seed());
        Dataset scaled = raw.withFeatures(new StandardScaler().fit(raw).transform(raw.features()));
        return train(lab, "6 SGD, standardised", scaled, false, 80);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        Dataset raw = data(lab.seed());
        if (!fixed) return setup(lab, raw, false, 30).check();
        return setup(lab, raw.withFeatures(new StandardScaler().fit(raw).transform(raw.features())), false, 80).check();
    }

    private Outcome train(Lab lab, String task, Dataset data, boolean adam, int epochs) {
        return setup(lab, data, adam, epochs).run(lab, task, mode());
    }

    private Fit setup(Lab lab, Dataset data, boolean adam, int epochs) {
        Random rng = new Random(lab.seed() + 1);
        Layer net = new Sequential(
                new Dense("hidden", FEATURES, 16, Activation.RELU, Init.HE_NORMAL, rng),
                new Dense("out", 16, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        Optimizer opt = adam ? new Adam(net.parameters(), LR) : new SGD(net.parameters(), LR);
        return new Fit(net, (pred, y) -> Losses.mse(pred, y), // a lambda: the report's site is this line
                opt, data, 32, b -> b.epochs(epochs).seed(lab.seed()));
    }

    static String describe(String what, Outcome o) {
        double[] l = o.losses();
        if (l.length == 0) {
            return what + ": no step applied" + (o.nonFinite() ? ", " + o.first().phase() + " " + o.first().cause() + " at "
                    + o.first().label() : "");
        }
        return String.format(Locale.ROOT, "%s: first loss %.4g, %d steps applied, %s", what, l[0], l.length,
                o.nonFinite() ? "then " + o.first().cause() + " at " + o.first().label()
                        : String.format(Locale.ROOT, "finite throughout, last loss %.4g", o.loss()));
    }

    /** y = x . w + 0.1 noise with x standard normal, but the features are stored as pixel values 128 + 50 x in [0, 255]. */
    static Dataset data(long seed) {
        Random rng = new Random(seed);
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            double s = 0.1 * rng.nextGaussian();
            for (int c = 0; c < FEATURES; c++) {
                double v = rng.nextGaussian();
                s += TRUE_WEIGHTS[c] * v;
                x[r * FEATURES + c] = Math.rint(Math.max(0, Math.min(255, 128 + 50 * v)));
            }
            y[r] = s;
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
