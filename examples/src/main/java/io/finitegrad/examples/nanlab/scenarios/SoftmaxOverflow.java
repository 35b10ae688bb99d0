package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
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
 * Lesson 7: the textbook cross-entropy {@code -sum(y log(softmax(z)))} computes {@code exp(z)}
 * first, and a logit above 709.78 overflows it. A linear classifier reading Iris measured in
 * units of 50 micrometres (the features x 200) produces logits in the hundreds, some above 709.78.
 */
public final class SoftmaxOverflow implements Scenario {
    /** How much larger the features are than Iris's centimetres: units of 50 micrometres. */
    static final double UNIT = 200;

    @Override public int number() { return 7; }
    @Override public String name() { return "softmax-overflow"; }
    @Override public String breaks() { return "softmax of logits around 1000: exp overflows to Infinity"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }

    @Override
    public String lesson() {
        return "A linear classifier (4 -> 3) reads Iris measured in units of 50 micrometres (the features x 200), "
                + "so its logits are in the hundreds, the largest above 709.78 at the first batch: x 200 is the "
                + "smallest round scale that gets there with this initialisation (at x 100 they stay below). "
                + "The textbook loss -sum(y * log(softmax(z))) computes exp(z) first, and "
                + "exp overflows to Infinity above 709.78: Infinity / Infinity is NaN, then log(NaN). The guard "
                + "stops at the exp, before any weight changes. The fix changes only the loss: the inputs keep "
                + "their scale, so it learns slowly and unsteadily: after 60 epochs the loss is near chance (ln 3 = 1.10) or above it, depending on the seed, but finite (scaling the inputs is lesson 6's fix).";
    }

    @Override
    public String fix() {
        return "cross-entropy from logits: -sum(y * logSoftmax(z)), which subtracts the row max before exp";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "exp", Cause.EXP_OVERFLOW, 3.0);
    }

    @Override
    public Outcome runBroken(Lab lab) {
        // a lambda, not a method reference, so the report's "created:" line is this one
        return train(lab, "7 naive softmax", (z, y) -> Losses.naiveSoftmaxCrossEntropy(z, y));
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "7 logSoftmax", Losses::softmaxCrossEntropy);
    }

    private Outcome train(Lab lab, String task, Loss loss) {
        Dataset iris = Datasets.iris();
        Dataset big = iris.withFeatures(iris.features().map(v -> v * UNIT));
        Layer net = new Dense("linear", 4, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(lab.seed()));
        return Runs.fit(lab, task, mode(), net, loss, new Adam(net.parameters(), 0.03),
                b -> b.epochs(60).batchSize(16).seed(lab.seed()), big);
    }
}
