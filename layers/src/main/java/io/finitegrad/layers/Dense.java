package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.Random;

/**
 * A fully connected layer, {@code act(x @ W + b)}, with W in x out (from an {@link Init}) and b a
 * 1 x out row of zeros that autodiff broadcasts over the batch. Parameters are {@code name/W} and
 * {@code name/b}; forward nodes {@code name/matmul}, {@code name/add}, {@code name/<activation>}.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class Dense extends Layer {
    private final int in;
    private final int out;
    private final Activation act;
    private final Init init;
    private final Var w;
    private final Var b;

    /** A layer named {@code dense1}, {@code dense2}, ... (see {@link LayerNames}). */
    public Dense(int in, int out, Activation act, Init init, Random rng) {
        this(LayerNames.next("dense"), in, out, act, init, rng);
    }

    /**
     * A named layer.
     *
     * @throws IllegalArgumentException for a bad name, non-positive sizes, a W of more elements than
     *     one tensor holds, or a null activation, initialiser or rng
     */
    public Dense(String name, int in, int out, Activation act, Init init, Random rng) {
        super(name);
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Dense '" + name + "': in and out must be positive, got in = " + in
                    + ", out = " + out);
        }
        if (act == null || init == null || rng == null) {
            throw new IllegalArgumentException("Dense '" + name + "': activation, init and rng must not be null");
        }
        Sizes.matrix("Dense '" + name + "'", "W", in, out);
        this.in = in;
        this.out = out;
        this.act = act;
        this.init = init;
        try (var s = Names.scope(name)) {
            this.w = Var.param("W", init.init(in, out, rng));
            this.b = Var.param("b", Tensor.zeros(1, out));
        }
    }

    @Override
    public Var forward(Var x) {
        requireInput(x);
        if (x.cols() != in) {
            throw new ShapeException("Dense '" + name() + "' expects input batch x " + in + ", got '" + x.name() + "' "
                    + x.shape() + " (W is " + w.shape() + ")");
        }
        try (var s = Names.scope(name())) {
            // the product, not the output: a bounded activation hides how large it grew
            return act.apply(watch(x.matmul(w)).add(b));
        }
    }

    /** Its forward calls built-in ops and its own scopes only. */
    @Override
    boolean runsOnlyLibraryCode() {
        return true;
    }

    /** The weight matrix, in x out. */
    public Var weight() {
        return w;
    }

    /** The bias row, 1 x out. */
    public Var bias() {
        return b;
    }

    public Activation activation() {
        return act;
    }

    public Init init() {
        return init;
    }

    @Override
    public List<Var> parameters() {
        return List.of(w, b);
    }

    @Override
    public List<LayerInfo> layerInfo() {
        String type = act == Activation.IDENTITY ? "Dense" : "Dense, " + act.name().toLowerCase();
        return List.of(LayerInfo.of(name(), type, "?x" + in, "?x" + out, parameters()));
    }


    @Override
    public String toString() {
        return "Dense '" + name() + "' " + in + " -> " + out + " " + act;
    }
}
