package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.examples.nanlab.Expected;
import io.finitegrad.examples.nanlab.Lab;
import io.finitegrad.examples.nanlab.Outcome;
import io.finitegrad.examples.nanlab.Runs;
import io.finitegrad.examples.nanlab.Scenario;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.train.Loss;
import java.util.Random;

/**
 * Lesson 2: cross-entropy computed on probabilities, {@code -sum(y log(p))}. The (stable) softmax
 * never overflows, but once a logit trails the row's largest by more than ~745 its probability
 * underflows to exactly 0, and the log of it is -Infinity.
 */
public final class LogOfZero implements Scenario {
    /** Iris in hundredths of millimetres: logits thousands apart, so a probability underflows to 0. */
    static final double UNIT = 1000;

    @Override public int number() { return 2; }
    @Override public String name() { return "log-of-zero"; }
    @Override public String breaks() { return "log of a prediction that reached 0 (cross-entropy on probabilities)"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }

    @Override
    public String lesson() {
        return "A linear classifier (4 -> 3) on Iris outputs probabilities with the stable softmax, and the loss "
                + "is the textbook cross-entropy on them: -sum(y * log(p)). exp never overflows here, but a class "
                + "whose logit trails the row's largest by more than about 745 gets probability exp(-745) = 0 "
                + "exactly, and log(0) = -Infinity. In float64 Iris in centimetres never gets that confident in a "
                + "short run, so the lesson reads it in hundredths of millimetres (x1000): logits thousands apart "
                + "from the first batch.";
    }

    @Override
    public String fix() {
        return "cross-entropy from logits: -sum(y * logSoftmax(z)), never the log of a probability";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "log", Cause.LOG_OF_ZERO, 0.6);
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "2 log of probabilities", (z, y) -> NaiveOps.crossEntropy(z.softmax(), y));
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "2 logSoftmax", Losses::softmaxCrossEntropy);
    }

    private Outcome train(Lab lab, String task, Loss loss) {
        Dataset iris = Datasets.iris();
        Dataset big = iris.withFeatures(iris.features().map(v -> v * UNIT));
        Layer net = new Dense("linear", 4, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(lab.seed()));
        return Runs.fit(lab, task, mode(), net, loss, new Adam(net.parameters(), 0.003),
                b -> b.epochs(60).batchSize(16).seed(lab.seed()), big);
    }
}
