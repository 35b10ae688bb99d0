package io.finitegrad.layers;

import io.finitegrad.autodiff.Hint;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;

/**
 * Batch normalisation over the batch dimension, {@code gamma * (x - mean) / sqrt(var + epsilon) + beta}
 * per feature, as {@code torch.nn.BatchNorm1d}.
 *
 * <p>In training mode (the default) it normalises with the batch's mean and biased variance and
 * updates the running statistics PyTorch's way:
 * {@code running = (1 - momentum) * running + momentum * batch}, with the unbiased variance
 * ({@code n / (n - 1)} times the biased one) going into {@code running_var}. In eval mode it
 * normalises with the running statistics. Parameters {@code name/gamma} (ones) and {@code name/beta}
 * (zeros); buffers {@code name/running_mean} (zeros) and {@code name/running_var} (ones).
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class BatchNorm extends Layer {
    private final int features;
    private final double epsilon;
    private final double momentum;
    private final Var gamma;
    private final Var beta;
    private final Var runningMean;
    private final Var runningVar;
    /** The remedy for a zero variance when epsilon is 0, or null. */
    private final Hint hint;

    /** A layer named {@code batchnorm1}, {@code batchnorm2}, ... (PyTorch defaults: epsilon 1e-5, momentum 0.1). */
    public BatchNorm(int features, double epsilon, double momentum) {
        this(LayerNames.next("batchnorm"), features, epsilon, momentum);
    }

    /**
     * @throws IllegalArgumentException for a bad name, non-positive features (or more than one tensor holds), a negative or
     *     non-finite epsilon, or a momentum outside [0, 1]
     */
    public BatchNorm(String name, int features, double epsilon, double momentum) {
        super(name);
        if (features <= 0) throw new IllegalArgumentException("BatchNorm '" + name + "': features must be positive, got " + features);
        Normalization.checkEpsilon("BatchNorm '" + name + "'", epsilon);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm '" + name + "': momentum must be in [0, 1], got " + momentum);
        }
        Sizes.matrix("BatchNorm '" + name + "'", "gamma", 1, features);
        this.features = features;
        this.epsilon = epsilon;
        this.hint = Normalization.epsilonHint("BatchNorm", name, epsilon);
        this.momentum = momentum;
        try (var s = Names.scope(name)) {
            this.gamma = Var.param("gamma", Tensor.ones(1, features));
            this.beta = Var.param("beta", Tensor.zeros(1, features));
            this.runningMean = Var.input("running_mean", Tensor.zeros(1, features));
            this.runningVar = Var.input("running_var", Tensor.ones(1, features));
        }
    }

    /**
     * @throws IllegalArgumentException if x is not batch x features, or (training) the batch has one row
     */
    @Override
    public Var forward(Var x) {
        requireInput(x);
        if (x.cols() != features) {
            throw new ShapeException("BatchNorm '" + name() + "' expects input batch x " + features + ", got '" + x.name()
                    + "' " + x.shape());
        }
        if (isTraining() && x.rows() < 2) {
            throw new IllegalArgumentException("BatchNorm '" + name() + "': training needs more than 1 row per batch to"
                    + " estimate a variance, got '" + x.name() + "' " + x.shape() + " (use eval() for single rows)");
        }
        try (var s = Normalization.scope(name(), Normalization.epsilonHint(hint, "BatchNorm", name(), epsilon))) {
            Var xhat;
            if (isTraining()) {
                Tensor scales = Normalization.scales(x.read(), true, null);
                Var xs = Normalization.scaled(x, scales);
                Var mean = Normalization.mean(xs, true);
                Var centered = Normalization.center(xs, mean);
                Var var = Normalization.variance(centered, true);
                xhat = Normalization.normalize(centered, var, epsilon, scales);
                updateRunning(mean, var, x.rows(), scales);
            } else {
                Tensor scales = Normalization.scales(x.read(), true, runningMean.read());
                Var centered = Normalization.center(Normalization.scaled(x, scales), Normalization.scaled(runningMean, scales));
                // divided by the scale twice, not by its square, which overflows for scales near 2^1023
                Var var = scales == null ? runningVar : Normalization.scaled(Normalization.scaled(runningVar, scales), scales);
                xhat = Normalization.normalize(centered, var, epsilon, scales);
            }
            return watch(xhat.mul(gamma).add(beta));
        }
    }

    /** The batch's statistics, computed on values divided by {@code scales} (or null), back in the input's units. */
    private void updateRunning(Var mean, Var var, int n, Tensor scales) {
        double[] rm = runningMean.write().data, rv = runningVar.write().data;
        double[] m = mean.read().data, v = var.read().data;
        double[] k = scales == null ? null : scales.toFlatArray();
        double unbias = n / (n - 1.0);
        for (int j = 0; j < features; j++) {
            double mj = k == null ? m[j] : m[j] * k[j], vj = k == null ? v[j] : v[j] * k[j] * k[j];
            rm[j] = (1 - momentum) * rm[j] + momentum * mj;
            rv[j] = (1 - momentum) * rv[j] + momentum * vj * unbias;
        }
    }

    /** A copy of the running mean, 1 x features. */
    public Tensor runningMean() {
        return runningMean.value();
    }

    /** A copy of the running (unbiased) variance, 1 x features. */
    public Tensor runningVar() {
        return runningVar.value();
    }

    /** Its forward calls built-in ops and its own scopes only. */
    @Override
    boolean runsOnlyLibraryCode() {
        return true;
    }

    @Override
    public List<Var> parameters() {
        return List.of(gamma, beta);
    }

    @Override
    public List<Var> buffers() {
        return List.of(runningMean, runningVar);
    }

    @Override
    public List<LayerInfo> layerInfo() {
        return List.of(LayerInfo.of(name(), "BatchNorm", "?x" + features, "?x" + features, parameters()));
    }

}
