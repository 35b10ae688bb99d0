package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NaiveOps;
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
import io.finitegrad.optim.train.Loss;
import java.util.Random;

/**
 * Lesson 2: cross-entropy computed on probabilities, {@code -sum(y log(p))}. On separable data a
 * classifier grows ever more confident; once a class's logit trails the row's largest by more than
 * about 103.3 its float32 probability underflows to exactly 0 (745 in float64), and the log of it
 * is -Infinity.
 */
public final class LogOfZero implements Scenario {
    private static final int ROWS = 150;
    private static final int CLASSES = 3;
    /** Three clusters in the plane, one per class, some 30 noise widths apart: separable with a wide margin. */
    private static final double[][] CENTRES = {{0, 24}, {21, -12}, {-21, -12}};

    @Override public int number() { return 2; }
    @Override public String name() { return "log-of-zero"; }
    @Override public String breaks() { return "log of a prediction that reached 0 (cross-entropy on probabilities)"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A linear classifier (2 -> 3) learns three well-separated clusters with Adam at learning rate 0.3. Its "
                + "output is the (stable) softmax, and the loss is the textbook cross-entropy on those probabilities: "
                + "-sum(y * log(p)). The data are separable, so every step makes the model more confident: the "
                + "logits drift apart. Once a class trails the row's best by more than about 103, its float32 "
                + "probability is below the smallest subnormal, 1.4e-45, and rounds to exactly 0: log(0) = -Infinity "
                + "(multiplied by that class's one-hot 0 it would become 0 * -Infinity = NaN). The guard stops at the "
                + "log after some twenty good steps, and its cause is UNDERFLOW_TO_ZERO: its underflow line names "
                + "the softmax element whose exact value was not 0. float64 has room down to exp(-745), which this run never "
                + "reaches; float16's probabilities reach 0 below 6e-8, at a gap of 17, before the first step.";
    }

    @Override
    public String fix() {
        return "cross-entropy from logits: -sum(y * logSoftmax(z)), never the log of a probability";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "log", Cause.UNDERFLOW_TO_ZERO, 0.01).madeByTraining()
                .withFormat(Precision.FLOAT64, Expected.finite(0.01))
                .withFormat(Precision.FLOAT16, Expected.entry(Phase.FORWARD, "log", Cause.UNDERFLOW_TO_ZERO, 0.01)
                        .presentAtInit());
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "2 log of probabilities", LogOfZero::probabilityCrossEntropy);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "2 logSoftmax", Losses::softmaxCrossEntropy);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? Losses::softmaxCrossEntropy : LogOfZero::probabilityCrossEntropy).check();
    }

    private static Var probabilityCrossEntropy(Var z, Var y) {
        return NaiveOps.crossEntropy(z.softmax(), y);
    }

    private Outcome train(Lab lab, String task, Loss loss) {
        return setup(lab, loss).run(lab, task, mode());
    }

    private Fit setup(Lab lab, Loss loss) {
        Random rng = new Random(lab.seed());
        Dataset clusters = clusters(rng);
        Layer net = new Dense("linear", 2, CLASSES, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng);
        return new Fit(net, loss, new Adam(net.parameters(), 0.3), clusters, 16, b -> b.epochs(60).seed(lab.seed()));
    }

    /** ROWS points, a third around each centre with unit noise, one-hot targets. */
    private static Dataset clusters(Random rng) {
        double[] x = new double[ROWS * 2];
        double[] y = new double[ROWS * CLASSES];
        for (int r = 0; r < ROWS; r++) {
            int k = r % CLASSES;
            x[r * 2] = CENTRES[k][0] + rng.nextGaussian();
            x[r * 2 + 1] = CENTRES[k][1] + rng.nextGaussian();
            y[r * CLASSES + k] = 1;
        }
        return Dataset.of(Tensor.of(ROWS, 2, x), Tensor.of(ROWS, CLASSES, y));
    }
}
