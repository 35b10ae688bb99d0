package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;

/**
 * The nonlinearity a layer applies after its affine map. Each maps to one autodiff op, so a report
 * names it ({@code dense1/sigmoid}); SIGMOID is the branch-stable sigmoid.
 */
public enum Activation {
    /** No nonlinearity: returns its input node unchanged. */
    IDENTITY,
    SIGMOID,
    TANH,
    RELU,
    /** {@code x > 0 ? x : 0.01 x}, PyTorch's default slope. */
    LEAKY_RELU;

    /** The slope LEAKY_RELU uses for negative inputs. */
    public static final double LEAKY_SLOPE = 0.01;

    /** The activation applied elementwise to {@code x}. */
    public Var apply(Var x) {
        return switch (this) {
            case IDENTITY -> x;
            case SIGMOID -> x.sigmoid();
            case TANH -> x.tanh();
            case RELU -> x.relu();
            case LEAKY_RELU -> x.leakyRelu(LEAKY_SLOPE);
        };
    }
}
