package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
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
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;

/**
 * Lesson 4: a deep sigmoid network initialised from N(0, 1) saturates. Nothing becomes NaN: the
 * lesson is a measurement. Before training, the mean sigmoid derivative per layer and the
 * per-layer weight-gradient norms are measured for N(0, 1) and for Xavier initialisation; then both
 * networks are trained the same way. The measurement shows what really happens (see the lesson).
 */
public final class SigmoidSaturation implements Scenario {
    private static final int ROWS = 256;
    private static final int FEATURES = 8;
    private static final int WIDTH = 32;
    private static final int DEPTH = 5;

    @Override public int number() { return 4; }
    @Override public String name() { return "sigmoid-saturation"; }
    @Override public String breaks() { return "N(0,1) init saturates a deep sigmoid net (no NaN; measured against Xavier)"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A regression MLP with " + DEPTH + " sigmoid layers of " + WIDTH + " units is initialised from "
                + "N(0, 1). Each unit sums " + WIDTH + " inputs with unit-variance weights, so its pre-activation z has "
                + "a standard deviation of several units and most units sit on sigmoid's flat tails, where "
                + "sigmoid'(z) is far below its peak of 0.25: the notes show the measured mean sigmoid'(z) per layer "
                + "and the gradient norm of each layer's weights, for N(0, 1) and for Xavier, on the same data. "
                + "What really happens differs from the folklore of vanishing gradients. Nothing becomes NaN or even "
                + "large: saturation is a silent failure and the guard has nothing to report. The N(0, 1) units are "
                + "saturated, yet its gradients do not vanish toward the input: the large weights multiply back in "
                + "backward what the small sigmoid'(z) takes away. It is Xavier's gradients that shrink layer by "
                + "layer toward the input, since sigmoid'(z) is at most 0.25 and Xavier's weights do not make up for "
                + "it; and with Adam, which rescales each gradient, this small network trained from N(0, 1) even "
                + "fits its training rows better (notes; a lower training loss, not a better model). Xavier keeps every layer on sigmoid's slope, so the units "
                + "stay graded instead of near-binary; for deep nets the lasting remedy is a non-saturating "
                + "activation (tanh with Xavier, ReLU with He). "
                + "It is the same in every format, float32 (the lesson's) as float16: saturation is about the slope, not the range.";
    }

    @Override
    public String fix() {
        return "Xavier initialisation (variance 2 / (fan_in + fan_out)) keeps every layer's z on sigmoid's slope";
    }

    @Override
    public Expected expected() {
        return Expected.finite(0.3);
    }

    @Override
    public Outcome runBroken(Lab lab) {
        List<String> notes = new ArrayList<>();
        notes.add(measure(lab, Init.STANDARD_NORMAL, "N(0,1)"));
        notes.add(measure(lab, Init.XAVIER_NORMAL, "Xavier"));
        Outcome o = train(lab, "4 sigmoid N(0,1)", Init.STANDARD_NORMAL);
        notes.add(String.format(Locale.ROOT, "after training with Adam: N(0,1) loss %.4g, no NaN or Inf at any step", o.loss()));
        return o.withNotes(notes);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "4 sigmoid Xavier", Init.XAVIER_NORMAL);
    }

    private static List<Dense> layers(Init init, Random rng) {
        List<Dense> ls = new ArrayList<>();
        int in = FEATURES;
        for (int k = 1; k <= DEPTH; k++) {
            ls.add(new Dense("sig" + k, in, WIDTH, Activation.SIGMOID, init, rng));
            in = WIDTH;
        }
        ls.add(new Dense("out", in, 1, Activation.IDENTITY, Init.XAVIER_NORMAL, rng));
        return ls;
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? Init.XAVIER_NORMAL : Init.STANDARD_NORMAL).check();
    }

    private Outcome train(Lab lab, String task, Init init) {
        return setup(lab, init).run(lab, task, mode());
    }

    private Fit setup(Lab lab, Init init) {
        Random rng = new Random(lab.seed());
        Dataset data = data(rng);
        Layer net = new Sequential(layers(init, rng).toArray(new Layer[0]));
        return new Fit(net, Losses::mse, new Adam(net.parameters(), 0.01), data, 32, b -> b.epochs(30).seed(lab.seed()));
    }

    /**
     * One forward and backward pass over the whole training set at initialisation: per sigmoid
     * layer, the mean of sigmoid'(z) = h (1 - h) over its outputs and the norm of its weights' gradient.
     */
    @SuppressWarnings("try") // the scope is opened for its effect: THROW mode during the measurement
    private static String measure(Lab lab, Init init, String what) {
        Random rng = new Random(lab.seed());
        Dataset data = data(rng);
        List<Dense> ls = layers(init, rng);
        List<Var> outs = new ArrayList<>();
        try (FiniteGuard.Scope guard = FiniteGuard.mode(FiniteGuard.Mode.THROW)) {
            Var h = Var.input("x", data.features());
            for (Dense d : ls) {
                h = d.forward(h);
                outs.add(h);
            }
            Losses.mse(h, Var.input("y", data.targets())).backward();
        }
        StringBuilder slope = new StringBuilder(), grads = new StringBuilder();
        for (int k = 0; k < DEPTH; k++) {
            Tensor t = outs.get(k).value();
            double sum = 0;
            for (int r = 0; r < t.rows(); r++) {
                for (int c = 0; c < t.cols(); c++) {
                    double v = t.get(r, c);
                    sum += v * (1 - v);
                }
            }
            slope.append(String.format(Locale.ROOT, " %.3f", sum / ((double) t.rows() * t.cols())));
            grads.append(String.format(Locale.ROOT, " %.2e", norm(ls.get(k).weight().gradData())));
        }
        return what + ": mean sigmoid'(z) per layer (input first):" + slope
                + "; |grad W| per layer:" + grads;
    }

    private static double norm(DMatrixRMaj g) {
        double s = 0;
        for (int i = 0; i < g.getNumElements(); i++) s += g.data[i] * g.data[i];
        return Math.sqrt(s);
    }

    /** y = sin(x0) + x1 x2 / 2 + 0.3 x3, x standard normal. */
    private static Dataset data(Random rng) {
        double[] x = new double[ROWS * FEATURES];
        double[] y = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < FEATURES; c++) x[r * FEATURES + c] = rng.nextGaussian();
            int o = r * FEATURES;
            y[r] = Math.sin(x[o]) + 0.5 * x[o + 1] * x[o + 2] + 0.3 * x[o + 3];
        }
        return Dataset.of(Tensor.of(ROWS, FEATURES, x), Tensor.column(y));
    }
}
