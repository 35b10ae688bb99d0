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
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Lesson 5: plain SGD with a learning rate above 2 / (the loss's sharpest curvature) overshoots
 * further at every step: the error grows geometrically until a squared error overflows (the error
 * itself is still finite, its square is not). A small regression MLP is trained with lr 1, ten
 * times the rate that trains it; in float32 the watchdog stops the run at the first non-finite
 * value, with the weights of the last good step, while float64 merely reaches a loss near 1e226.
 */
public final class LearningRateTooHigh implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 4;
    private static final double[] TRUE_WEIGHTS = {1.5, -2.0, 0.5, 1.0};

    @Override public int number() { return 5; }
    @Override public String name() { return "lr-too-high"; }
    @Override public String breaks() { return "learning rate too high (1): the loss diverges to Infinity"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A 4-16-1 tanh network learns a noisy linear target with plain SGD at lr 1, ten times the rate "
                + "that trains it. Each step moves the weights by lr times the gradient; when lr is larger than 2 "
                + "divided by the loss's sharpest curvature, every step overshoots the minimum by more than the "
                + "last, the error grows geometrically and the squared errors overflow: an error of 1e20 still "
                + "fits in a float32, its square does not (float32 ends at 3.4e38). The watchdog stops training at "
                + "the first non-finite value, some twenty steps in, keeping the weights of the last good step. "
                + "float64 has room up to 1.8e308: there the same run ends its 30 epochs at a loss near 1e226, "
                + "finite and useless.";
    }

    @Override
    public String fix() {
        return "a lower learning rate (0.1) and gradient clipping to global norm 1.0";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "pow", Cause.OVERFLOW, 0.15).madeByTraining()
                .withFormat(Precision.FLOAT64, Expected.finite(0.15));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        Outcome broken = train(lab, "5 lr 1", 1.0, false, 30);
        return broken.withNotes(List.of(describe("lr 1", broken)));
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "5 lr 0.1 + clip", 0.1, true, 30);
    }

    private static String describe(String what, Outcome o) {
        double[] l = o.losses();
        String first = l.length == 0 ? "no step applied" : String.format(Locale.ROOT, "first loss %.4g", l[0]);
        return String.format(Locale.ROOT, "%s: %s, %d steps applied, %s", what, first, l.length,
                o.nonFinite() ? "then " + o.first().cause() + " at " + o.first().label()
                        : String.format(Locale.ROOT, "finite throughout, last loss %.4g", o.loss()));
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return fixed ? setup(lab, 0.1, true, 30).check() : setup(lab, 1.0, false, 30).check();
    }

    private Outcome train(Lab lab, String task, double lr, boolean fixed, int epochs) {
        return setup(lab, lr, fixed, epochs).run(lab, task, mode());
    }

    private Fit setup(Lab lab, double lr, boolean fixed, int epochs) {
        Random rng = new Random(lab.seed());
        Dataset data = regression(rng);
        Layer net = new Sequential(
                new Dense("hidden", FEATURES, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 16, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return new Fit(net, (pred, y) -> Losses.mse(pred, y), // a lambda: the report's site is this line
                new SGD(net.parameters(), lr), data, 32,
                b -> fixed ? b.epochs(epochs).seed(lab.seed()).clipNorm(1.0) : b.epochs(epochs).seed(lab.seed()));
    }

    /** y = x . w + 0.1 noise, x standard normal. */
    private static Dataset regression(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            double s = 0.1 * rng.nextGaussian();
            for (int c = 0; c < FEATURES; c++) {
                x[r * FEATURES + c] = rng.nextGaussian();
                s += TRUE_WEIGHTS[c] * x[r * FEATURES + c];
            }
            y[r] = s;
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
