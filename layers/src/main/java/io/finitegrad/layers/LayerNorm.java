package io.finitegrad.layers;

import io.finitegrad.autodiff.Hint;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;

/**
 * Layer normalisation over each row's features,
 * {@code gamma * (x - mean) / sqrt(var + epsilon) + beta}, as {@code torch.nn.LayerNorm}; the same in
 * training and eval. Parameters {@code name/gamma} (ones) and {@code name/beta} (zeros).
 *
 * <p>The epsilon matters: a row whose features are all equal has variance 0, and with epsilon 0
 * its normalisation is 0/0 = NaN, which the guard reports at {@code name/normalize/div}, advising a
 * positive epsilon in the constructor call.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class LayerNorm extends Layer {
    private final int features;
    private final double epsilon;
    private final Var gamma;
    private final Var beta;
    /** The remedy for a zero variance when epsilon is 0, or null. */
    private final Hint hint;

    /** A layer named {@code layernorm1}, {@code layernorm2}, ... (PyTorch's default epsilon is 1e-5). */
    public LayerNorm(int features, double epsilon) {
        this(LayerNames.next("layernorm"), features, epsilon);
    }

    /**
     * @throws IllegalArgumentException for a bad name, non-positive features (or more than one tensor holds), or a negative or
     *     non-finite epsilon
     */
    public LayerNorm(String name, int features, double epsilon) {
        super(name);
        if (features <= 0) throw new IllegalArgumentException("LayerNorm '" + name + "': features must be positive, got " + features);
        Normalization.checkEpsilon("LayerNorm '" + name + "'", epsilon);
        Sizes.matrix("LayerNorm '" + name + "'", "gamma", 1, features);
        this.features = features;
        this.epsilon = epsilon;
        this.hint = Normalization.epsilonHint("LayerNorm", name, epsilon);
        try (var s = Names.scope(name)) {
            this.gamma = Var.param("gamma", Tensor.ones(1, features));
            this.beta = Var.param("beta", Tensor.zeros(1, features));
        }
    }

    @Override
    public Var forward(Var x) {
        requireInput(x);
        if (x.cols() != features) {
            throw new ShapeException("LayerNorm '" + name() + "' expects input batch x " + features + ", got '" + x.name()
                    + "' " + x.shape());
        }
        try (var s = Normalization.scope(name(), Normalization.epsilonHint(hint, "LayerNorm", name(), epsilon))) {
            Tensor scales = Normalization.scales(x.read(), false, null);
            Var xs = Normalization.scaled(x, scales);
            Var mean = Normalization.mean(xs, false);
            Var centered = Normalization.center(xs, mean);
            Var var = Normalization.variance(centered, false);
            return watch(Normalization.normalize(centered, var, epsilon, scales).mul(gamma).add(beta));
        }
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
    public List<LayerInfo> layerInfo() {
        return List.of(LayerInfo.of(name(), "LayerNorm", "?x" + features, "?x" + features, parameters()));
    }

}
