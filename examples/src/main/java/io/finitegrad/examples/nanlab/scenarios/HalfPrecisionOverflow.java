package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
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
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import java.util.List;
import java.util.Random;

/**
 * Lesson 17: a network that trains in float64 and float32 but not in float16. A classifier of
 * 8x8 grey images first scales each image to unit length, {@code x / sqrt(sum(x^2))}; on raw
 * pixel values (0 to 255) the sum of squares is about a million, far above float16's largest
 * value, 65,504, though every pixel's square (at most 65,025) fits. Dividing the pixels by 255
 * first gives the same unit vectors, and every format trains; bfloat16, with float32's range in
 * 16 bits, trains the unchanged model too.
 */
public final class HalfPrecisionOverflow implements Scenario {
    private static final int ROWS = 150;
    private static final int SIDE = 8;
    private static final int PIXELS = SIDE * SIDE;
    private static final int CLASSES = 3;

    @Override public int number() { return 17; }
    @Override public String name() { return "fp16-overflow"; }
    @Override public String breaks() { return "trains in float32, overflows in float16: a sum of squares above 65,504"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT16; }

    @Override
    public String lesson() {
        return "A linear classifier reads 8x8 grey images as raw pixel values, 0 to 255, and first scales each "
                + "image to unit length, x / sqrt(sum(x^2)), as image and embedding models often do. In float32 "
                + "and float64 it trains. In float16, as after model.half(), every pixel's square still fits (at "
                + "most 65,025), but their sum over 64 pixels is about a million, and float16's largest value is "
                + "65,504: the sum overflows to Infinity in the first forward pass, and the guard stops there. "
                + "Nothing about the model is wrong; an intermediate value is outside the format.";
    }

    @Override
    public String fix() {
        return "rescale before the sum: divide the pixels by 255 first (the unit vectors are the same, the sum of "
                + "squares is at most 64); or compute in bfloat16 (--precision bf16), which has float32's range";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "sumRows", Cause.OVERFLOW, 0.1).presentAtInit()
                .withFormat(Precision.FLOAT64, Expected.finite(0.1))
                .withFormat(Precision.FLOAT32, Expected.finite(0.1))
                .withFormat(Precision.BFLOAT16, Expected.finite(0.1));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "17 raw pixels", 1);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "17 pixels / 255", 255);
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? 255 : 1).check();
    }

    private Outcome train(Lab lab, String task, double divisor) {
        return setup(lab, divisor).run(lab, task, mode());
    }

    private Fit setup(Lab lab, double divisor) {
        Random rng = new Random(lab.seed());
        Dataset images = images(rng);
        Layer net = new UnitLength(new Dense("linear", PIXELS, CLASSES, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng),
                divisor);
        return new Fit(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.05), images, 16,
                b -> b.epochs(15).seed(lab.seed()));
    }

    /** Scales each row to unit length (after dividing it by {@code divisor}), then applies the classifier. */
    private static final class UnitLength extends Layer {
        private final Dense classifier;
        private final double divisor;

        UnitLength(Dense classifier, double divisor) {
            super("unitLength");
            this.classifier = classifier;
            this.divisor = divisor;
        }

        @Override
        @SuppressWarnings("try") // the scope names the norm's nodes (unitLength/sumRows), it is never read
        public Var forward(Var x) {
            Var unit;
            try (var s = Names.scope(name())) {
                Var pixels = divisor == 1 ? x : x.div(divisor);
                unit = pixels.div(pixels.square().sumRows().sqrt());
            }
            return classifier.forward(unit);
        }

        @Override
        public List<Var> parameters() {
            return classifier.parameters();
        }
    }

    /**
     * Images of three kinds, one per class: the top half, the left half or the centre is bright
     * (about 200), the rest dim (about 60), with noise; integer pixel values in [0, 255].
     */
    private static Dataset images(Random rng) {
        double[] x = new double[ROWS * PIXELS];
        double[] y = new double[ROWS * CLASSES];
        for (int r = 0; r < ROWS; r++) {
            int k = r % CLASSES;
            for (int i = 0; i < SIDE; i++) {
                for (int j = 0; j < SIDE; j++) {
                    boolean bright = k == 0 ? i < SIDE / 2 : k == 1 ? j < SIDE / 2
                            : Math.abs(i - 3.5) < 2 && Math.abs(j - 3.5) < 2;
                    double v = (bright ? 200 : 60) + 30 * rng.nextGaussian();
                    x[r * PIXELS + i * SIDE + j] = Math.rint(Math.max(0, Math.min(255, v)));
                }
            }
            y[r * CLASSES + k] = 1;
        }
        return Dataset.of(Tensor.of(ROWS, PIXELS, x), Tensor.of(ROWS, CLASSES, y));
    }
}
