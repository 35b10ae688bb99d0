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
 * Lesson 16: the masked-branch trap. A token classifier's negative log-likelihood over a padded
 * batch takes {@code where(mask, log(p), 0)}, with {@code p} the probability of the target token,
 * which is exactly 0 on padding rows (their target row is all zeros). The loss is finite, yet
 * backward sends the mask's zero gradient into log's derivative {@code 1/0}: 0 * Infinity = NaN.
 */
public final class MaskedBranch implements Scenario {
    private static final int ROWS = 96;
    private static final int FEATURES = 4;
    private static final int CLASSES = 3;

    @Override public int number() { return 16; }
    @Override public String name() { return "masked-branch"; }
    @Override public String breaks() { return "where(mask, log(p), 0): finite loss, NaN gradient"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.WARN; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A token classifier is trained on a padded batch: one row in four is padding, with an all-zero "
                + "target, so p, the probability given to the target token, is exactly 0 there. The loss "
                + "-mean(where(mask, log(p), 0)) masks the padding out and is finite: log(0) = -Infinity is "
                + "computed, then hidden by the where. In backward the where sends a gradient of 0 to the log, "
                + "whose derivative at 0 is 1/0 = Infinity, and 0 * Infinity is NaN. The guard runs in WARN mode "
                + "so you see the finite loss, the forward report of log(0) (hidden by the where) and, as its "
                + "'then:' line, the backward step where the NaN enters: ZERO_TIMES_INF at the log's gradient. "
                + "log(0) and 0 * Infinity are the same in every format: float32 (the lesson's) breaks as float64 and float16 do.";
    }

    @Override
    public String fix() {
        return "the double where: where(mask, log(where(mask, p, 1)), 0), so the log never sees the masked 0";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "log", Cause.LOG_OF_ZERO, 0.2).then(Cause.ZERO_TIMES_INF).presentAtInit();
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "16 single where", false);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "16 double where", true);
    }

    private Outcome train(Lab lab, String task, boolean doubleWhere) {
        return setup(lab, doubleWhere).run(lab, task, doubleWhere ? FiniteGuard.Mode.THROW : mode());
    }

    /** The check of the broken or fixed version: the setup both runs train (below maskedNll). */
    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed).check();
    }

    /**
     * -mean over real rows of log p(target); padding rows (all-zero targets) are masked out. Its
     * nodes are named in the scope {@code maskedNll} (maskedNll/log, ...) when they are created, so
     * the forward report and its backward consequence name the same node.
     */
    @SuppressWarnings("try") // the scope is opened for its effect on node names
    static Var maskedNll(Var logits, Var target, boolean doubleWhere) {
        Tensor t = target.value();
        double[] mask = new double[t.rows()];
        int real = 0;
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.cols(); c++) if (t.get(r, c) != 0) mask[r] = 1;
            real += (int) mask[r];
        }
        Tensor m = Tensor.column(mask);
        try (Names.Scope s = Names.scope("maskedNll")) {
            Var p = logits.softmax().mul(target).sumRows().label("p(target)");
            Var logP = doubleWhere ? p.where(m, Var.constant(1)).log() : p.log();
            return logP.where(m, Var.constant(0)).sum().div(-Math.max(real, 1));
        }
    }

    // below maskedNll, so that the lines the guard's reports name stay where the README shows them
    private Fit setup(Lab lab, boolean doubleWhere) {
        Random rng = new Random(lab.seed());
        Dataset tokens = paddedTokens(rng);
        Layer net = new Sequential(
                new Dense("hidden", FEATURES, 8, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("out", 8, CLASSES, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return new Fit(net, (logits, target) -> maskedNll(logits, target, doubleWhere), new Adam(net.parameters(), 0.05),
                tokens, 32, b -> b.epochs(40).seed(lab.seed()));
    }

    /** Rows of 4 features whose class is the sign pattern of two of them; every 4th row is padding. */
    private static Dataset paddedTokens(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS * CLASSES];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < FEATURES; c++) x[r * FEATURES + c] = rng.nextGaussian();
            if (r % 4 == 3) continue; // padding: features are noise, the target row stays zero
            double a = x[r * FEATURES], b = x[r * FEATURES + 1];
            int cls = a > 0.5 ? 0 : b > 0 ? 1 : 2;
            y[r * CLASSES + cls] = 1;
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.of(ROWS, CLASSES, y));
    }
}
