package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import io.finitegrad.examples.nanlab.Expected;
import io.finitegrad.examples.nanlab.Lab;
import io.finitegrad.examples.nanlab.Outcome;
import io.finitegrad.examples.nanlab.Runs;
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
 * Lesson 1: a relative-error loss {@code mean(((pred - y) / y)^2)} divides by the target, and one
 * target is a subnormal 1e-310 (a sensor that read "almost nothing"): the quotient exceeds the
 * double range as soon as that row is in a batch, in the first epoch.
 */
public final class TinyDivisor implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 3;
    /** The tiny reading: in float64 dividing by 1e-12 stays finite, so the lesson uses a subnormal. */
    static final double TINY = 1e-310;

    @Override public int number() { return 1; }
    @Override public String name() { return "tiny-divisor"; }
    @Override public String breaks() { return "division by a tiny number: a relative error divides by a target of 1e-310"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }

    @Override
    public String lesson() {
        return "A 3-16-1 regression network is trained with the relative error mean(((pred - y) / y)^2), so every "
                + "error is divided by its target. Row 8's target is 1e-310, a reading of almost nothing. In float64 "
                + "dividing by 1e-6 or 1e-12 still gives a finite (huge) loss, so the smallest change that breaks is a "
                + "subnormal target: an error of 0.1 divided by 1e-310 is 1e309, beyond the double range (1.8e308). "
                + "The guard stops at that division as soon as row 8's batch comes, in the first epoch.";
    }

    @Override
    public String fix() {
        return "keep the divisor away from 0: divide by |y| + 1 (a relative error that becomes absolute near 0)";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "div", Cause.OVERFLOW, 0.05);
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "1 divide by y", false);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "1 divide by |y| + 1", true);
    }

    private Outcome train(Lab lab, String task, boolean guarded) {
        Random rng = new Random(lab.seed());
        Dataset data = readings(rng);
        Layer net = new Sequential(
                new Dense("hidden", FEATURES, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 16, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return Runs.fit(lab, task, mode(), net, (pred, y) -> relativeError(pred, y, guarded),
                new Adam(net.parameters(), 0.01), b -> b.epochs(40).batchSize(32).seed(lab.seed()), data);
    }

    @SuppressWarnings("try") // the scope names the loss's nodes (relativeError/div), it is never read
    static Var relativeError(Var pred, Var y, boolean guarded) {
        try (var s = Names.scope("relativeError")) {
            Var divisor = guarded ? y.abs().add(1.0) : y;
            return pred.sub(y).div(divisor).square().mean();
        }
    }

    /** y = sin(x0) + 0.5 x1 x2 on standard-normal x; row 8's target is the tiny reading. */
    private static Dataset readings(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < FEATURES; c++) x[r * FEATURES + c] = rng.nextGaussian();
            y[r] = Math.sin(x[r * FEATURES]) + 0.5 * x[r * FEATURES + 1] * x[r * FEATURES + 2];
        }
        y[7] = TINY;
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
