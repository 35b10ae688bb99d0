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
import io.finitegrad.layers.LayerNorm;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import java.util.Random;

/**
 * Lesson 13: LayerNorm divides each row's deviations by its standard deviation. With epsilon 0, a
 * row whose features are all equal (here, a blank all-zero reading) has deviation 0 and standard
 * deviation 0: 0 / 0.
 */
public final class LayerNormZeroEpsilon implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 4;
    /** The blank rows: every 16th reading is all zeros. */
    private static final int BLANK_EVERY = 16;

    @Override public int number() { return 13; }
    @Override public String name() { return "layernorm-eps0"; }
    @Override public String breaks() { return "LayerNorm with epsilon 0 on a row whose features are all equal: 0 / 0"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A network normalises its 4 input features with LayerNorm, built with epsilon 0, then regresses "
                + "with a tanh layer. One reading in 16 is blank: all four features are 0. LayerNorm computes "
                + "(x - mean) / sqrt(variance + epsilon); on a blank row the deviations are 0 and so is the "
                + "variance, and with epsilon 0 that is 0 / sqrt(0) = 0 / 0 = NaN. The guard stops at LayerNorm's "
                + "division in the first forward pass. "
                + "0 / 0 is NaN in every format: float32 (the lesson's) breaks as float64 and float16 do.";
    }

    @Override
    public String fix() {
        return "LayerNorm with epsilon 1e-5 (the usual default): a constant row normalises to 0 instead of NaN";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "div", Cause.ZERO_DIV_ZERO, 0.1).presentAtInit();
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "13 epsilon 0", 0.0);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "13 epsilon 1e-5", 1e-5);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? 1e-5 : 0.0).check();
    }

    private Outcome train(Lab lab, String task, double epsilon) {
        return setup(lab, epsilon).run(lab, task, mode());
    }

    private Fit setup(Lab lab, double epsilon) {
        Random rng = new Random(lab.seed());
        Dataset data = readings(rng);
        Layer net = new Sequential(
                new LayerNorm("norm", FEATURES, epsilon),
                new Dense("hidden", FEATURES, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 16, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return new Fit(net, Losses::mse, new Adam(net.parameters(), 0.01), data, 32, b -> b.epochs(40).seed(lab.seed()));
    }

    /** y = the spread of the row's deviations from its mean in two features (0 on blank rows). */
    private static Dataset readings(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            if (r % BLANK_EVERY == 5) continue; // a blank reading: features and target stay 0
            for (int c = 0; c < FEATURES; c++) x[r * FEATURES + c] = rng.nextGaussian();
            double mean = 0;
            for (int c = 0; c < FEATURES; c++) mean += x[r * FEATURES + c] / FEATURES;
            y[r] = Math.tanh(x[r * FEATURES] - mean) - 0.5 * Math.tanh(x[r * FEATURES + 1] - mean);
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
