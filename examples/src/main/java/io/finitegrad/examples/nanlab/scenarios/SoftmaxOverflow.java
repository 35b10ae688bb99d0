package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
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
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.train.Loss;
import java.util.Random;

/**
 * Lesson 7: the textbook cross-entropy {@code -sum(y log(softmax(z)))} computes {@code exp(z)}
 * first, and in float16 a logit above 11.09 overflows it (88.72 in float32, 709.78 in float64). A
 * small MLP initialised from N(0, 1) reads raw Iris (centimetres) and produces logits in the tens.
 */
public final class SoftmaxOverflow implements Scenario {
    /** Hidden units: with N(0, 1) weights and raw Iris, logits in the tens. */
    static final int HIDDEN = 16;
    // a lambda, not a method reference, so the report's "created:" line is this one
    private static final Loss NAIVE = (z, y) -> Losses.naiveSoftmaxCrossEntropy(z, y);

    @Override public int number() { return 7; }
    @Override public String name() { return "softmax-overflow"; }
    @Override public String breaks() { return "softmax of logits in the tens: float16's exp overflows to Infinity"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT16; }

    @Override
    public String lesson() {
        return "An MLP (4 -> " + HIDDEN + " ReLU -> 3) initialised from N(0, 1), as tutorials that call randn do, "
                + "reads raw Iris, in centimetres, so its logits are in the tens at the first batch. The textbook "
                + "loss -sum(y * log(softmax(z))) computes exp(z) first. In float16 exp overflows to Infinity "
                + "above 11.09 (its largest value is 65,504): Infinity / Infinity is NaN, then log(NaN). The guard "
                + "stops at the exp, before any weight changes. float32 and bfloat16 overflow above 88.72 and "
                + "float64 above 709.78, which these logits do not reach. The fix changes only the loss, and the "
                + "same network trains in every format.";
    }

    @Override
    public String fix() {
        return "cross-entropy from logits: -sum(y * logSoftmax(z)), which subtracts the row max before exp";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "exp", Cause.EXP_OVERFLOW, 0.3).presentAtInit()
                .withFormat(Precision.FLOAT64, Expected.finite(0.3))
                .withFormat(Precision.FLOAT32, Expected.finite(0.3))
                .withFormat(Precision.BFLOAT16, Expected.finite(0.3));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "7 naive softmax", NAIVE);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "7 logSoftmax", Losses::softmaxCrossEntropy);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? Losses::softmaxCrossEntropy : NAIVE).check();
    }

    private Outcome train(Lab lab, String task, Loss loss) {
        return setup(lab, loss).run(lab, task, mode());
    }

    private Fit setup(Lab lab, Loss loss) {
        Dataset iris = Datasets.iris();
        Random rng = new Random(lab.seed());
        Layer net = new Sequential(
                new Dense("hidden", 4, HIDDEN, Activation.RELU, Init.STANDARD_NORMAL, rng),
                new Dense("out", HIDDEN, 3, Activation.IDENTITY, Init.STANDARD_NORMAL, rng));
        return new Fit(net, loss, new Adam(net.parameters(), 0.03), iris, 16, b -> b.epochs(60).seed(lab.seed()));
    }
}
