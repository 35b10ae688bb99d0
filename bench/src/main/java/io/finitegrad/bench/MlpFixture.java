package io.finitegrad.bench;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The one training step every MLP benchmark times, as data: the layer sizes and batch of configs A,
 * B and C, He-normal weights and zero biases drawn from a fixed seed, one fixed batch of Gaussian
 * inputs with uniformly drawn classes, and Adam's settings (lr 1e-3, betas 0.9 / 0.999, eps 1e-8, as
 * {@code torch.optim.Adam}). finitegrad ({@link MlpStepBench}), the hand-written step
 * ({@link HandWrittenMlp}) and the PyTorch peer all start from these arrays, so their first losses
 * agree to rounding and their steps do the same arithmetic.
 *
 * <p>Every hidden layer is ReLU, the last is linear (logits), the loss is softmax cross-entropy
 * averaged over the rows.
 */
public final class MlpFixture {
    /** Adam's learning rate. */
    public static final double LR = 1e-3;
    /** Adam's first-moment decay. */
    public static final double BETA1 = 0.9;
    /** Adam's second-moment decay. */
    public static final double BETA2 = 0.999;
    /** Adam's denominator guard. */
    public static final double EPS = 1e-8;

    /** The benchmark configurations of issue 18. */
    public enum Config {
        /** 784-256-256-10, batch 128: matrix products dominate. */
        A(128, 784, 256, 256, 10),
        /** 64-128-128-10, batch 32. */
        B(32, 64, 128, 128, 10),
        /** 16-32-3, batch 16: per-node overheads dominate. */
        C(16, 16, 32, 3);

        private final int batch;
        private final int[] sizes;

        Config(int batch, int... sizes) {
            this.batch = batch;
            this.sizes = sizes;
        }

        /** Rows per step. */
        public int batch() {
            return batch;
        }

        /** Layer widths from input to output (a copy). */
        public int[] sizes() {
            return sizes.clone();
        }

        /** How many Dense layers. */
        public int layers() {
            return sizes.length - 1;
        }
    }

    private final Config config;
    private final double[][] weights;
    private final double[][] biases;
    private final double[] x;
    private final int[] classes;

    private MlpFixture(Config config, double[][] weights, double[][] biases, double[] x, int[] classes) {
        this.config = config;
        this.weights = weights;
        this.biases = biases;
        this.x = x;
        this.classes = classes;
    }

    /**
     * The fixture of {@code config}: the same arrays on every call and every JVM.
     *
     * @throws IllegalArgumentException if config is null
     */
    public static MlpFixture of(Config config) {
        if (config == null) throw new IllegalArgumentException("MlpFixture.of: config is null");
        int[] s = config.sizes;
        Random rng = new Random(1800 + config.ordinal());
        double[][] w = new double[config.layers()][];
        double[][] b = new double[config.layers()][];
        for (int l = 0; l < config.layers(); l++) {
            w[l] = Init.HE_NORMAL.init(s[l], s[l + 1], rng).toFlatArray();
            b[l] = new double[s[l + 1]];
        }
        Random data = new Random(2800 + config.ordinal());
        double[] x = new double[config.batch * s[0]];
        for (int i = 0; i < x.length; i++) x[i] = data.nextGaussian();
        int[] classes = new int[config.batch];
        for (int r = 0; r < classes.length; r++) classes[r] = data.nextInt(s[s.length - 1]);
        return new MlpFixture(config, w, b, x, classes);
    }

    /** The configuration. */
    public Config config() {
        return config;
    }

    /** Layer {@code l}'s initial weights, in x out, row-major (a copy). */
    public double[] weight(int l) {
        return weights[l].clone();
    }

    /** Layer {@code l}'s initial bias, 1 x out (a copy). */
    public double[] bias(int l) {
        return biases[l].clone();
    }

    /** The batch of inputs, batch x in, row-major (a copy). */
    public double[] x() {
        return x.clone();
    }

    /** The class of each row (a copy). */
    public int[] classes() {
        return classes.clone();
    }

    /** The one-hot targets, batch x classes, row-major. */
    public double[] oneHot() {
        int k = config.sizes[config.sizes.length - 1];
        double[] y = new double[config.batch * k];
        for (int r = 0; r < config.batch; r++) y[r * k + classes[r]] = 1;
        return y;
    }

    /** The finitegrad model with these initial weights: Dense layers {@code l1, l2, ...}, ReLU then linear. */
    public Sequential model() {
        int[] s = config.sizes;
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            boolean last = l == config.layers() - 1;
            // any rng: the weights are overwritten with the fixture's right away
            Dense d = new Dense("l" + (l + 1), s[l], s[l + 1], last ? Activation.IDENTITY : Activation.RELU,
                    Init.HE_NORMAL, new Random(0));
            copy(weights[l], d.weight());
            copy(biases[l], d.bias());
            layers.add(d);
        }
        return new Sequential(layers.toArray(new Layer[0]));
    }

    /** The input batch as a finitegrad input node {@code x}. */
    public Var input() {
        return Var.input("x", Tensor.of(config.batch, config.sizes[0], x()));
    }

    /** The one-hot targets as a finitegrad input node {@code y}. */
    public Var target() {
        return Var.input("y", Tensor.of(config.batch, config.sizes[config.sizes.length - 1], oneHot()));
    }

    /** Adam over {@code model}'s parameters with this fixture's settings. */
    public static Adam adam(Sequential model) {
        return new Adam(model.parameters(), LR, BETA1, BETA2, EPS, 0);
    }

    private static void copy(double[] from, Var to) {
        double[] data = to.write().data;
        if (data.length < from.length) {
            throw new IllegalStateException("MlpFixture: '" + to.name() + "' holds " + data.length + " values, not "
                    + from.length);
        }
        System.arraycopy(from, 0, data, 0, from.length);
    }

    @Override
    public String toString() {
        return "MlpFixture " + config + " " + Arrays.toString(config.sizes) + ", batch " + config.batch;
    }
}
