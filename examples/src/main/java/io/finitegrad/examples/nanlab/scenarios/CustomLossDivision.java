package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
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
import io.finitegrad.optim.data.Dataset;
import java.util.Random;

/**
 * Lesson 8: a hand-written loss turns non-negative (ReLU) outputs into shares, {@code p / sum(p)},
 * and compares them with target shares. A row whose outputs are all 0 divides 0 by 0.
 */
public final class CustomLossDivision implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 4;
    private static final int PARTS = 3;
    /** The epsilon of the fix: far below any real sum, far above 0. */
    static final double EPS = 1e-6;

    @Override public int number() { return 8; }
    @Override public String name() { return "custom-loss-div"; }
    @Override public String breaks() { return "a custom loss divides by a sum of predictions that is 0: 0 / 0"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A network predicts how a budget splits into 3 parts: ReLU outputs p, turned into shares by a "
                + "custom loss, mean((p / sum(p) - y)^2). ReLU outputs are often exactly 0, and for some rows all "
                + "three are: their sum is 0 and 0 / 0 is NaN. The guard stops at the loss's division in the "
                + "first forward pass. "
                + "0 / 0 is NaN in every format: float32 (the lesson's) breaks as float64 and float16 do.";
    }

    @Override
    public String fix() {
        return "an epsilon in the denominator: p / (sum(p) + 1e-6)";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "div", Cause.ZERO_DIV_ZERO, 0.05).presentAtInit();
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "8 p / sum(p)", false);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "8 p / (sum(p) + eps)", true);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed).check();
    }

    private Outcome train(Lab lab, String task, boolean eps) {
        return setup(lab, eps).run(lab, task, mode());
    }

    private Fit setup(Lab lab, boolean eps) {
        Random rng = new Random(lab.seed());
        Dataset data = budgets(rng);
        Layer net = new Sequential(
                new Dense("hidden", FEATURES, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 16, PARTS, Activation.RELU, Init.XAVIER_UNIFORM, rng));
        return new Fit(net, (p, y) -> shareLoss(p, y, eps), new Adam(net.parameters(), 0.01), data, 32,
                b -> b.epochs(40).seed(lab.seed()));
    }

    @SuppressWarnings("try") // the scope names the loss's nodes (shareLoss/div), it is never read
    static Var shareLoss(Var p, Var y, boolean eps) {
        try (var s = Names.scope("shareLoss")) {
            Var total = eps ? p.sumRows().add(EPS) : p.sumRows();
            return p.div(total).sub(y).square().mean();
        }
    }

    /** Target shares: softmax of two features' linear maps, so every row's shares sum to 1. */
    private static Dataset budgets(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS * PARTS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < FEATURES; c++) x[r * FEATURES + c] = rng.nextGaussian();
            double[] e = {Math.exp(x[r * FEATURES]), Math.exp(x[r * FEATURES + 1]), 1.0};
            double s = e[0] + e[1] + e[2];
            for (int k = 0; k < PARTS; k++) y[r * PARTS + k] = e[k] / s;
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.of(ROWS, PARTS, y));
    }
}
