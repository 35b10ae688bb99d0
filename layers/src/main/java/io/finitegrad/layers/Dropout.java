package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.Random;

/**
 * Inverted dropout, as {@code torch.nn.Dropout}: in training mode (the default) each element is
 * zeroed with probability p and the survivors are scaled by {@code 1 / (1 - p)}, so the expected
 * activation is unchanged and eval mode is the identity. The mask is drawn from the {@link Random}
 * given, row-major, so runs with the same seed drop the same units. No parameters.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class Dropout extends Layer {
    private final double p;
    private final Random rng;

    /** A layer named {@code dropout1}, {@code dropout2}, ... */
    public Dropout(double p, Random rng) {
        this(LayerNames.next("dropout"), p, rng);
    }

    /** @throws IllegalArgumentException for a bad name, p outside [0, 1], or a null rng */
    public Dropout(String name, double p, Random rng) {
        super(name);
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Dropout '" + name + "': p must be in [0, 1], got " + p);
        if (rng == null) throw new IllegalArgumentException("Dropout '" + name + "': rng is null");
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Var forward(Var x) {
        requireInput(x);
        if (!isTraining() || p == 0) return x;
        int n = x.rows() * x.cols();
        double[] mask = new double[n];
        double keep = p == 1 ? 0.0 : 1.0 / (1.0 - p);
        for (int i = 0; i < n; i++) mask[i] = rng.nextDouble() < p ? 0.0 : keep;
        try (var s = Names.scope(name())) {
            return x.mul(Var.constant(Tensor.of(x.rows(), x.cols(), mask)));
        }
    }

    /** A JDK Random draws the mask; a subclass of the user's would be user code. */
    @Override
    boolean runsOnlyLibraryCode() {
        return rng.getClass().getClassLoader() == null;
    }

    public double p() {
        return p;
    }

    @Override
    public List<Var> parameters() {
        return List.of();
    }

    @Override
    public List<LayerInfo> layerInfo() {
        return List.of(new LayerInfo(name(), "Dropout, p=" + p, "any", "same", "", 0));
    }

}
