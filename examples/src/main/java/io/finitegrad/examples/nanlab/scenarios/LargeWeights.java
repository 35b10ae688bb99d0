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
import io.finitegrad.optim.data.Dataset;
import java.util.Random;

/**
 * Lesson 3: weights drawn from N(0, 1) multiply the activations' scale by about sqrt(fan-in / 2)
 * per ReLU layer, 4 for 32 units, so a 10-layer MLP's activations pass float16's 65,504 after some
 * eight layers. He initialisation keeps the scale at 1 through every layer.
 */
public final class LargeWeights implements Scenario {
    static final int DEPTH = 10;
    static final int WIDTH = 32;
    private static final int FEATURES = 4;
    private static final int ROWS = 128;

    @Override public int number() { return 3; }
    @Override public String name() { return "large-weights"; }
    @Override public String breaks() { return "weights from N(0, 1): a 10-layer ReLU MLP's activations overflow"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT16; }

    @Override
    public String lesson() {
        return "A " + DEPTH + "-layer ReLU MLP, " + WIDTH + " units wide, has every weight drawn from N(0, 1), "
                + "the randn initialisation of many tutorials. Each layer multiplies the activations' scale by about "
                + "sqrt(" + WIDTH + " / 2) = 4, so after nine layers they are some 4^9 = 260,000 times the inputs' "
                + "scale: in float16, whose largest value is 65,504, a matmul's result overflows to Infinity in the "
                + "first forward pass, and the guard stops at that matmul and names its layer. In float32 and "
                + "float64 the same net stays finite (3.4e38 and 1.8e308 are far away) but starts from a loss near "
                + "1e10, many orders above the target's variance.";
    }

    @Override
    public String fix() {
        return "He initialisation, N(0, 2 / fan-in): each ReLU layer keeps the activations' scale near 1, and the "
                + "same " + DEPTH + "-layer net trains (slowly: no residual connections or normalisation)";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "matmul", Cause.OVERFLOW, 1.0).presentAtInit()
                .withFormat(Precision.FLOAT64, Expected.finite(1.0))
                .withFormat(Precision.FLOAT32, Expected.finite(1.0))
                .withFormat(Precision.BFLOAT16, Expected.finite(1.0));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "3 N(0, 1)", Init.STANDARD_NORMAL);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "3 He", Init.HE_NORMAL);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? Init.HE_NORMAL : Init.STANDARD_NORMAL).check();
    }

    private Outcome train(Lab lab, String task, Init init) {
        return setup(lab, init).run(lab, task, mode());
    }

    private Fit setup(Lab lab, Init init) {
        Random rng = new Random(lab.seed());
        Dataset data = regression(rng);
        Layer[] layers = new Layer[DEPTH + 1];
        for (int i = 0; i < DEPTH; i++) {
            layers[i] = new Dense("dense" + (i + 1), i == 0 ? FEATURES : WIDTH, WIDTH, Activation.RELU, init, rng);
        }
        layers[DEPTH] = new Dense("out", WIDTH, 1, Activation.IDENTITY, init, rng);
        Layer net = new Sequential(layers);
        return new Fit(net, Losses::mse, new Adam(net.parameters(), 1e-3), data, 16, b -> b.epochs(10).seed(lab.seed()));
    }

    /** y = x0 - x1 + 0.5 x2 on standard-normal x (target variance 2.25). */
    private static Dataset regression(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < FEATURES; c++) x[r * FEATURES + c] = rng.nextGaussian();
            y[r] = x[r * FEATURES] - x[r * FEATURES + 1] + 0.5 * x[r * FEATURES + 2];
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
