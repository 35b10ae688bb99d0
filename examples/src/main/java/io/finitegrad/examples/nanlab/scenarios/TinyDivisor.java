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
 * Lesson 1: a relative-error loss {@code mean(((pred - y) / y)^2)} divides by the target, and one
 * target is 1e-6 (a sensor that read "almost nothing"). In float16, whose largest value is 65,504,
 * an error of 0.1 divided by 1e-6 overflows as soon as that row is in a batch, in the first epoch;
 * in float32 and float64 the loss is huge and finite.
 */
public final class TinyDivisor implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 3;
    /** The tiny reading: about 1e-6 in float16 too (a subnormal there), so an error of 0.07 over it passes 65,504. */
    static final double TINY = 1e-6;

    @Override public int number() { return 1; }
    @Override public String name() { return "tiny-divisor"; }
    @Override public String breaks() { return "division by a tiny number: a relative error divides by a target of 1e-6"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT16; }

    @Override
    public String lesson() {
        return "A 3-16-1 regression network is trained with the relative error mean(((pred - y) / y)^2), so every "
                + "error is divided by its target. Row 8's target is 1e-6, a reading of almost nothing. In float16, "
                + "the format of mixed-precision training, the largest finite value is 65,504: an error of 0.1 divided "
                + "by 1e-6 is 100,000, which overflows to Infinity. The guard stops at that division as soon as row 8's "
                + "batch comes, in the first epoch. In float32 and float64 the quotient fits, and the loss is merely "
                + "huge (hundreds, all from row 8) and dominated by one reading.";
    }

    @Override
    public String fix() {
        return "keep the divisor away from 0: divide by |y| + 1 (a relative error that becomes absolute near 0)";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "div", Cause.OVERFLOW, 0.05).presentAtInit()
                .withFormat(Precision.FLOAT64, Expected.finite(0.05))
                .withFormat(Precision.FLOAT32, Expected.finite(0.05))
                .withFormat(Precision.BFLOAT16, Expected.finite(0.05));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "1 divide by y", false);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "1 divide by |y| + 1", true);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed).check();
    }

    private Outcome train(Lab lab, String task, boolean guarded) {
        return setup(lab, guarded).run(lab, task, mode());
    }

    private Fit setup(Lab lab, boolean guarded) {
        Random rng = new Random(lab.seed());
        Dataset data = readings(rng);
        Layer net = new Sequential(
                new Dense("hidden", FEATURES, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 16, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return new Fit(net, (pred, y) -> relativeError(pred, y, guarded),
                new Adam(net.parameters(), 0.01), data, 32, b -> b.epochs(40).seed(lab.seed()));
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
