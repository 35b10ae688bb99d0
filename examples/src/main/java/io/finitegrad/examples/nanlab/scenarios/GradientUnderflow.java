package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
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
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Lesson 18: gradients too small for float16. A regression's loss is weighted by 1e-4 and averaged
 * over 64 rows x 64 outputs, so the gradient reaching each prediction starts at 1e-4 / 4,096 =
 * 2.4e-8, below half of float16's smallest subnormal (2^-24, 6e-8): it rounds to exactly 0 and so
 * does every parameter gradient. Nothing is NaN; the model simply never moves. Dynamic loss
 * scaling (the Trainer's {@code dynamicLossScale()}, PyTorch's {@code GradScaler}) starts backward
 * from 2^15 instead of 1 and divides the gradients by it in float64, and the same run learns.
 */
public final class GradientUnderflow implements Scenario {
    private static final int ROWS = 512;
    private static final int FEATURES = 16;
    private static final int OUTPUTS = 64;
    private static final int BATCH = 64;
    /** The loss's weight, as an auxiliary term of a multi-task objective might have. */
    static final double WEIGHT = 1e-4;
    /** The steps the broken run's gradients are promised to stay exactly 0 (it runs 80: 10 epochs of 8 batches). */
    static final int FROZEN_STEPS = 50;

    @Override public int number() { return 18; }
    @Override public String name() { return "fp16-underflow"; }
    @Override public String breaks() { return "gradients below float16's smallest subnormal round to 0: no learning"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT16; }

    @Override
    public String lesson() {
        return "A 16-32-64 tanh network learns 64 regression targets; its loss is the mean squared error over "
                + "a batch of 64 rows x 64 outputs, weighted by 1e-4 as an auxiliary term of a multi-task loss "
                + "would be. Backward starts from 1 and the mean hands each squared error 1e-4 / 4,096 = 2.4e-8. "
                + "float16's smallest subnormal is 2^-24 = 6e-8, and anything below half of it rounds to exactly 0: "
                + "every gradient of every parameter is 0 at every step (notes), Adam never moves, and the loss "
                + "stays where it started. No NaN, no Inf, nothing for the guard to report: the model is frozen. "
                + "In float32 and bfloat16 (smallest normal 1.2e-38) the same gradients are ordinary numbers and "
                + "the loss falls.";
    }

    @Override
    public String fix() {
        return "dynamic loss scaling (Trainer.Builder.dynamicLossScale(), PyTorch's GradScaler): backward starts "
                + "from 2^15 in float16, so the gradients are 32,768 times larger, then they are divided by the "
                + "scale in float64 before the step";
    }

    @Override
    public Expected expected() {
        return Expected.frozen(FROZEN_STEPS, 2e-5)
                .withFormat(Precision.FLOAT64, Expected.finite(2e-5))
                .withFormat(Precision.FLOAT32, Expected.finite(2e-5))
                .withFormat(Precision.BFLOAT16, Expected.finite(2e-5));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        Outcome o = train(lab, "18 unscaled", false);
        double[] norms = o.gradNorms(), losses = o.losses();
        int zero = 0;
        while (zero < norms.length && norms[zero] == 0) zero++;
        String first = losses.length == 0 ? "no step" : String.format(Locale.ROOT, "%.4g", losses[0]);
        return o.withNotes(List.of(String.format(Locale.ROOT,
                "%d of %d steps had a gradient global norm of exactly 0; loss %s at the first step, %.4g at the end",
                zero, norms.length, first, o.loss())));
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "18 dynamic loss scale", true);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed).check();
    }

    private Outcome train(Lab lab, String task, boolean scaled) {
        return setup(lab, scaled).run(lab, task, mode());
    }

    private Fit setup(Lab lab, boolean scaled) {
        Random rng = new Random(lab.seed());
        Dataset data = data(rng);
        Layer net = new Sequential(
                new Dense("hidden", FEATURES, 32, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 32, OUTPUTS, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return new Fit(net, GradientUnderflow::weightedMse, new Adam(net.parameters(), 0.01), data, BATCH,
                b -> (scaled ? b.dynamicLossScale() : b).epochs(10).seed(lab.seed()));
    }

    @SuppressWarnings("try") // the scope names the loss's nodes (weightedMse/mse/mean), it is never read
    static Var weightedMse(Var pred, Var y) {
        try (var s = Names.scope("weightedMse")) {
            return Losses.mse(pred, y).mul(WEIGHT);
        }
    }

    /** y = tanh(x A) with A of scale 1 / sqrt(features), x standard normal. */
    private static Dataset data(Random rng) {
        double[] a = new double[FEATURES * OUTPUTS];
        for (int i = 0; i < a.length; i++) a[i] = rng.nextGaussian() / Math.sqrt(FEATURES);
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS * OUTPUTS];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        for (int r = 0; r < ROWS; r++) {
            for (int o = 0; o < OUTPUTS; o++) {
                double s = 0;
                for (int c = 0; c < FEATURES; c++) s += x[r * FEATURES + c] * a[c * OUTPUTS + o];
                y[r * OUTPUTS + o] = Math.tanh(s);
            }
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.of(ROWS, OUTPUTS, y));
    }
}
