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
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.TrainingListener;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ejml.data.DMatrixRMaj;

/**
 * Lesson 10: a NaN weight written by a bad update. The hidden layer of a ReLU regression MLP is
 * trained by a hand-written per-unit normalised-gradient rule ({@code w_j -= lr * g_j / ||g_j||}),
 * outside the optimiser and its finiteness check, writing the weights through {@link Var#write()}.
 * When a unit is silent on a whole batch its gradient column is all zeros and 0/0 writes NaN into
 * the weights; the next forward's guard reports the parameter as a non-finite input, and the
 * watchdog names the step, so the update that wrote it is the step before.
 */
public final class NanWeight implements Scenario {
    private static final int ROWS = 256;
    private static final int FEATURES = 4;
    private static final int HIDDEN = 16;
    private static final double UNIT_LR = 0.02;
    private static final Pattern WHERE = Pattern.compile("epoch \\d+, batch \\d+");

    @Override public int number() { return 10; }
    @Override public String name() { return "nan-weight"; }
    @Override public String breaks() { return "a hand-written update divides 0 by 0 and writes NaN into a weight"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A 4-16-1 ReLU network learns a nonlinear target. The output layer is trained by SGD; the hidden "
                + "layer by a hand-written normalised-gradient rule, each unit moving a fixed distance along its "
                + "gradient's direction, w_j -= lr * g_j / ||g_j||, written straight into the weights. A ReLU unit "
                + "that is silent on every row of a batch has an all-zero gradient column, so g_j / ||g_j|| is "
                + "0/0 = NaN and the update writes NaN into its weights. Nothing computes with them until the next "
                + "forward, where the guard reports the parameter hidden/W itself as a non-finite input; the watchdog "
                + "names that step, and the notes name the update before it, the one that wrote the NaN. "
                + "The 0/0 is computed outside the graph, so it writes NaN in every format: float32 (the lesson's) as float64.";
    }

    @Override
    public String fix() {
        return "guard the division: g_j / max(||g_j||, 1e-12), so a silent unit does not move";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "param", Cause.NON_FINITE_INPUT, 0.05).madeByTraining();
    }

    @Override
    public Outcome runBroken(Lab lab) {
        Outcome o = train(lab, "10 per-unit update, 0/0", 0);
        Matcher at = WHERE.matcher(o.ending());
        int applied = o.losses().length;
        String step = String.format(Locale.ROOT,
                "the watchdog stopped the forward of step %d (%s); step %d's forward was finite, so the NaN was"
                        + " written by the hand-written update at the end of step %d",
                applied + 1, at.find() ? at.group() : o.ending(), applied, applied);
        return o.withNotes(List.of(step));
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "10 per-unit update, guarded", 1e-12);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? 1e-12 : 0).check();
    }

    private Outcome train(Lab lab, String task, double eps) {
        return setup(lab, eps).run(lab, task, mode());
    }

    private Fit setup(Lab lab, double eps) {
        Random rng = new Random(lab.seed());
        Dataset data = target(rng);
        Dense hidden = new Dense("hidden", FEATURES, HIDDEN, Activation.RELU, Init.HE_NORMAL, rng);
        Dense out = new Dense("out", HIDDEN, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng);
        Sequential net = new Sequential(hidden, out);
        TrainingListener unitRule = new TrainingListener() {
            @Override
            public void afterStep(int epoch, int batch, double loss, double gradNorm) {
                normalisedStep(hidden.weight(), eps);
            }
        };
        // the optimiser updates the output layer only; the hidden layer belongs to the hand-written rule
        SGD sgd = new SGD(out.parameters(), 0.05);
        return new Fit(net, Losses::mse, sgd, data, 8, b -> b.epochs(40).seed(lab.seed()).listener(unitRule));
    }

    /** w_j -= lr * g_j / max(||g_j||, eps) for each unit (column) j; with eps 0 a zero column gives 0/0. */
    static void normalisedStep(Var w, double eps) {
        DMatrixRMaj g = w.gradData();
        if (g == null) return;
        DMatrixRMaj p = w.write();
        int rows = p.numRows, cols = p.numCols;
        for (int j = 0; j < cols; j++) {
            double sq = 0;
            for (int i = 0; i < rows; i++) sq += g.data[i * cols + j] * g.data[i * cols + j];
            double norm = Math.max(Math.sqrt(sq), eps);
            for (int i = 0; i < rows; i++) p.data[i * cols + j] -= UNIT_LR * g.data[i * cols + j] / norm;
        }
    }

    /** y = |x0| - x1 * x2 + 0.5 x3, x standard normal (a target a ReLU layer must bend to). */
    private static Dataset target(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < FEATURES; c++) x[r * FEATURES + c] = rng.nextGaussian();
            int o = r * FEATURES;
            y[r] = Math.abs(x[o]) - 0.5 * x[o + 1] * x[o + 2] + 0.5 * x[o + 3];
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
