package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.Warnings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A layer or a network of layers, as {@code torch.nn.Module} or a Keras layer: a named function of
 * a batch (rows are examples) with trainable parameters, non-trainable buffers, a training mode and
 * a state dict. Every layer, recurrent ones included, takes one matrix and returns one, so a
 * {@link Sequential}, a trainer and a checkpoint treat them alike; a batch of sequences is an
 * n x (T*d) matrix, step-major (see {@link RecurrentLayer}).
 *
 * <p>Every built-in layer opens a name scope ({@link io.finitegrad.autodiff.Names}) named after
 * itself around the creation of its parameters and around every forward call, so parameters are
 * named {@code dense1/W} and graph nodes {@code dense1/matmul}: guard reports and checkpoints name
 * the layer.
 *
 * <p>Every built-in layer with parameters also registers, in forward, what early warnings
 * ({@link Warnings}) should watch: a node of its own (Dense its product {@code dense1/matmul}, a
 * normalisation layer its output, a recurrent layer its first and last states) and its parameters.
 * A layer of your own does the same with {@link #watch(Var)}.
 *
 * <p>A layer of your own extends this class and implements {@link #forward} and
 * {@link #parameters}; it is named {@code layer1}, {@code layer2}, ... unless it passes a name.
 */
public abstract class Layer {
    private final String name;
    private boolean training = true;

    /**
     * A layer named after its class and a per-kind counter ({@link LayerNames}): {@code sequential1},
     * or {@code layer1} for an anonymous class.
     */
    protected Layer() {
        this.name = LayerNames.next(kind().toLowerCase(Locale.ROOT));
    }

    /**
     * A layer with the given name, which becomes its name scope.
     *
     * @throws IllegalArgumentException if the name is null, empty or contains '/'
     */
    protected Layer(String name) {
        this.name = LayerNames.check(getClass().getSimpleName(), name);
    }

    /**
     * The layer applied to a batch.
     *
     * @throws io.finitegrad.autodiff.op.ShapeException if the input shape does not fit the layer,
     *     naming the layer and both shapes
     * @throws io.finitegrad.autodiff.NonFiniteException if the guard is in THROW mode and a NaN/Inf
     *     first appears inside this layer
     * @throws IllegalArgumentException (built-in layers) if {@code x} is null, naming the layer
     */
    public abstract Var forward(Var x);

    /**
     * {@code x}, checked to be there: a forward's first line, so that a null input is refused naming
     * the layer ({@code Dense 'dense1': forward input is null}) rather than as a bare
     * NullPointerException from inside it.
     *
     * @throws IllegalArgumentException naming this layer if {@code x} is null
     */
    protected final Var requireInput(Var x) {
        if (x == null) throw new IllegalArgumentException(kind() + " '" + name + "': forward input is null");
        return x;
    }

    /**
     * Whether {@link #forward} runs finitegrad code only, never an object of the user's: then a
     * container may let it share the creation site it walked for ({@link io.finitegrad.autodiff.Names#siteScope()}).
     * False unless a final built-in layer says otherwise; package-private, so a layer of yours
     * cannot claim it.
     */
    boolean runsOnlyLibraryCode() {
        return false;
    }

    /** The trainable parameters in a stable order; each {@link Var#name()} is unique. */
    public abstract List<Var> parameters();

    /**
     * Registers {@code node} (a node this layer made in this forward pass) and this layer's
     * parameters with an open {@link Warnings} collection, if any: the node's values are checked for
     * headroom now, its gradient and the parameters' gradients after the next backward. Costs one
     * thread-local read when no collection is open.
     *
     * @return {@code node}, so a forward can end with {@code return watch(out);}
     */
    protected final Var watch(Var node) {
        if (Warnings.active()) Warnings.watch(name, node, parameters());
        return node;
    }

    /**
     * Non-trainable state that belongs in a checkpoint (BatchNorm's running statistics), named like
     * parameters ({@code batchnorm1/running_mean}); empty for most layers.
     */
    public List<Var> buffers() {
        return List.of();
    }

    /** The layer's name, also its name scope (e.g. {@code dense2}). */
    public final String name() {
        return name;
    }

    /**
     * Sets training mode on or off, as PyTorch's {@code model.train(mode)}; a container passes it
     * on to its layers. It changes what BatchNorm and Dropout do and nothing in other layers.
     *
     * @return this layer
     */
    public Layer train(boolean mode) {
        this.training = mode;
        return this;
    }

    /** Training mode, as {@code model.train()} in PyTorch (the mode a new layer starts in). */
    public final Layer train() {
        return train(true);
    }

    /** Inference mode, as {@code model.eval()} in PyTorch. */
    public final Layer eval() {
        return train(false);
    }

    /** Whether the layer is in training mode (true for a new layer). */
    public final boolean isTraining() {
        return training;
    }

    /**
     * Parameters by name, in {@link #parameters()} order.
     *
     * @throws IllegalStateException if two parameters share a name (two layers given the same name)
     */
    public final Map<String, Var> namedParameters() {
        return ParamLists.byName(parameters());
    }

    /**
     * Everything a checkpoint holds, by name, as PyTorch's {@code state_dict()}: the parameters in
     * {@link #parameters()} order, then the buffers in {@link #buffers()} order. The map is
     * unmodifiable; its values are the live variables, not copies.
     *
     * @throws IllegalStateException if two of them share a name (two layers given the same name)
     */
    public final Map<String, Var> stateDict() {
        List<Var> all = new ArrayList<>(parameters());
        all.addAll(buffers());
        return ParamLists.byName(all);
    }

    /** Total number of trainable scalars. */
    public final long parameterCount() {
        return ParamLists.count(parameters());
    }

    /** A Keras-like table: one row per layer with its name, type, shapes and parameter count, and the total. */
    public String summary() {
        return SummaryTable.render(kind() + " '" + name + "'", layerInfo(), parameterCount());
    }

    /**
     * The rows this layer contributes to {@link #summary()}: one for a layer, one per child for a
     * container. The default describes the layer by its class name and parameters, with unknown shapes.
     */
    public List<LayerInfo> layerInfo() {
        return List.of(LayerInfo.of(name, kind(), "?", "?", parameters()));
    }

    /** The class name, {@code Layer} for an anonymous class (whose simple name is empty). */
    private String kind() {
        String simple = getClass().getSimpleName();
        return simple.isEmpty() ? "Layer" : simple;
    }
}
