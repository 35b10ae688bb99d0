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
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import java.util.List;
import java.util.Random;

/**
 * Lesson 14: the L2 norm {@code sqrt(sum(d^2))} of a zero vector is a finite 0, but sqrt's
 * derivative there, {@code 1 / (2 sqrt(0))}, is infinite. A siamese network learning distances
 * meets it on every pair of identical inputs.
 */
public final class SqrtAtZero implements Scenario {
    private static final int ROWS = 128;
    private static final int FEATURES = 3;
    /** Every 8th pair compares an input with itself: distance exactly 0. */
    private static final int SAME_EVERY = 8;
    /** The epsilon of the fix, inside the sqrt, where the format holds it (1e-12 is 0 in float16). */
    static final double EPS = 1e-12;

    @Override public int number() { return 14; }
    @Override public String name() { return "sqrt-at-zero"; }
    @Override public String breaks() { return "the gradient of sqrt at 0 in the L2 norm of a zero vector"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A siamese network embeds two inputs with the same 3-8 tanh layer and predicts their distance as "
                + "the L2 norm of the difference, sqrt(sum((f(a) - f(b))^2)); the loss is the squared error "
                + "against the true distance. One pair in 8 compares an input with itself: the difference is the "
                + "zero vector and its norm a finite 0, so the forward pass is clean. In backward, sqrt's "
                + "derivative 1 / (2 sqrt(0)) is Infinity. The predicted distance 0 is exactly right, so the "
                + "gradient arriving from the loss is 0, and 0 * Infinity is NaN: the guard stops at the sqrt's "
                + "backward, before the weights see it. "
                + "0 * Infinity is NaN in every format: float32 (the lesson's) breaks as float64 and float16 do.";
    }

    @Override
    public String fix() {
        return "an epsilon inside the sqrt: sqrt(sum(d^2) + 1e-12), whose derivative at 0 is finite (1e-12 is 0 in "
                + "float16, so there the epsilon is its smallest normal, 6.1e-5)";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.BACKWARD, "sqrt", Cause.ZERO_TIMES_INF, 0.05).presentAtInit();
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "14 sqrt(sum(d^2))", 0);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "14 sqrt(sum(d^2) + eps)", epsilon(Precision.current()));
    }

    /** 1e-12, or the format's smallest normal value where 1e-12 would round to 0 or lose its effect. */
    public static double epsilon(Precision p) {
        return Math.max(EPS, p.minNormal());
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? epsilon(Precision.current()) : 0).check();
    }

    private Outcome train(Lab lab, String task, double eps) {
        return setup(lab, eps).run(lab, task, mode());
    }

    private Fit setup(Lab lab, double eps) {
        Random rng = new Random(lab.seed());
        Dataset pairs = pairs(rng);
        Layer net = new Siamese(new Dense("embed", FEATURES, 8, Activation.TANH, Init.XAVIER_UNIFORM, rng), eps);
        return new Fit(net, Losses::mse, new Adam(net.parameters(), 0.01), pairs, 32, b -> b.epochs(40).seed(lab.seed()));
    }

    /** The distance between the embeddings of a row's two halves. */
    private static final class Siamese extends Layer {
        private final Dense embed;
        private final double eps;

        Siamese(Dense embed, double eps) {
            super("siamese");
            this.embed = embed;
            this.eps = eps;
        }

        @Override
        @SuppressWarnings("try") // the scope names the distance's nodes (siamese/sqrt), it is never read
        public Var forward(Var x) {
            try (var s = Names.scope(name())) {
                return distance(x);
            }
        }

        private Var distance(Var x) {
            Var d = embed.forward(x.sliceCols(0, FEATURES)).sub(embed.forward(x.sliceCols(FEATURES, 2 * FEATURES)));
            Var squared = d.square().sumRows();
            return (eps == 0 ? squared : squared.add(eps)).sqrt();
        }

        @Override
        public List<Var> parameters() {
            return embed.parameters();
        }
    }

    /** Rows [a | b] with target 0.5 |a0 - b0| + 0.3 |a1 - b1|; every 8th row has b = a. */
    private static Dataset pairs(Random rng) {
        double[] x = new double[ROWS * 2 * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            int o = r * 2 * FEATURES;
            for (int c = 0; c < FEATURES; c++) x[o + c] = rng.nextGaussian();
            for (int c = 0; c < FEATURES; c++) {
                x[o + FEATURES + c] = r % SAME_EVERY == 3 ? x[o + c] : rng.nextGaussian();
            }
            y[r] = 0.5 * Math.abs(x[o] - x[o + FEATURES]) + 0.3 * Math.abs(x[o + 1] - x[o + FEATURES + 1]);
        }
        return Dataset.of(Tensor.of(ROWS, 2 * FEATURES, x), Tensor.column(y));
    }
}
