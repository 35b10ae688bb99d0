package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NaiveOps;
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
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.Loss;
import java.util.Random;

/**
 * Lesson 11: the textbook sigmoid {@code 1 / (1 + exp(-z))} evaluates exp(-z), which overflows in
 * float32 for z below -88.72 (-709.78 in float64). A logistic regression on raw sensor readings in
 * the hundreds meets such logits at once; the branch-stable sigmoid never evaluates exp of a large positive number.
 */
public final class NaiveSigmoid implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 2;
    /** Raw readings: the features' scale, in the hundreds. */
    static final double SCALE = 100;
    /** Keeps bce's logs finite when a stable sigmoid saturates at exactly 0 or 1. */
    static final double EPS = 1e-7;
    private static final Loss NAIVE = (z, y) -> Losses.bce(NaiveOps.sigmoid(z), y, EPS);

    @Override public int number() { return 11; }
    @Override public String name() { return "naive-sigmoid"; }
    @Override public String breaks() { return "exp overflow in a naive sigmoid 1 / (1 + exp(-z)) at large inputs"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A logistic regression (2 -> 1) reads raw sensor values in the hundreds, so its logits z reach "
                + "-100 and beyond. Its output is the textbook sigmoid 1 / (1 + exp(-z)): in float32, bfloat16 and "
                + "float16 exp(-z) overflows to Infinity for z < -88.72 (-11.09 in float16); float64 would need "
                + "z < -709.78. 1 / (1 + Infinity) would even round to the right answer, 0, but the "
                + "Infinity is real and its gradient is not: the guard stops at the exp. Swapping in the stable "
                + "sigmoid alone, bce(Var.sigmoid(z)), stays finite but learns slowly, because a saturated sigmoid passes a gradient of almost 0; the loss from logits, "
                + "bceWithLogits, computes the same stable sigmoid in log space and learns.";
    }

    @Override
    public String fix() {
        return "the branch-stable sigmoid in its log form: bceWithLogits(z), which never evaluates exp of a large "
                + "positive number and whose gradient, sigmoid(z) - y, does not vanish where the sigmoid saturates";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "exp", Cause.EXP_OVERFLOW, 0.05).presentAtInit()
                .withFormat(Precision.FLOAT64, Expected.finite(0.05));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "11 naive sigmoid", NAIVE);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "11 stable sigmoid (bceWithLogits)", Losses::bceWithLogits);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? Losses::bceWithLogits : NAIVE).check();
    }

    private Outcome train(Lab lab, String task, Loss loss) {
        return setup(lab, loss).run(lab, task, mode());
    }

    private Fit setup(Lab lab, Loss loss) {
        Random rng = new Random(lab.seed());
        Dataset data = readings(rng);
        Layer net = new Dense("logit", FEATURES, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng);
        return new Fit(net, loss, new Adam(net.parameters(), 0.01), data, 32, b -> b.epochs(60).seed(lab.seed()));
    }

    /** Label 1 when x0 + x1 > 0, readings scaled to the thousands. */
    private static Dataset readings(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            double a = rng.nextGaussian(), b = rng.nextGaussian();
            x[r * FEATURES] = SCALE * a;
            x[r * FEATURES + 1] = SCALE * b;
            y[r] = a + b > 0 ? 1 : 0;
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
