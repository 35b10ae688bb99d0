package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import java.util.List;
import java.util.Map;

/**
 * A layer or a network of layers: a function of a batch (rows are examples) with trainable
 * parameters, as {@code torch.nn.Module} or a Keras layer.
 *
 * <p>Every built-in layer opens a name scope ({@link io.finitegrad.autodiff.Names}) around the
 * creation of its parameters and around every forward call, so parameters are named
 * {@code dense1/W} and graph nodes {@code dense1/matmul}: guard reports and checkpoints name the
 * layer.
 */
public interface Module {
    /**
     * The layer applied to a batch.
     *
     * @throws IllegalArgumentException (a {@link io.finitegrad.autodiff.op.ShapeException}) if the input
     *     shape does not fit the layer, naming the layer and both shapes
     * @throws io.finitegrad.autodiff.NonFiniteException if the guard is in THROW mode and a NaN/Inf
     *     first appears inside this layer
     */
    Var forward(Var x);

    /** The trainable parameters in a stable order; each {@link Var#name()} is unique. */
    List<Var> parameters();

    /** The module's name (a layer's scope, e.g. {@code dense2}); the class name by default. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** A Keras-like table: one row per layer with its name, type, shapes and parameter count, and the total. */
    default String summary() {
        String kind = getClass().getSimpleName();
        String title = name().equals(kind) ? kind : kind + " '" + name() + "'";
        return SummaryTable.render(title, layerInfo(), parameterCount());
    }

    /**
     * The rows this module contributes to {@link #summary()}: one for a layer, one per child for a
     * container. The default describes the module by its class name and parameter count.
     */
    default List<LayerInfo> layerInfo() {
        return List.of(LayerInfo.of(getClass().getSimpleName(), getClass().getSimpleName(), "?", "?", parameters()));
    }

    /**
     * Non-trainable state that belongs in a checkpoint (BatchNorm's running statistics), named like
     * parameters ({@code batchnorm1/running_mean}); empty for most layers.
     */
    default List<Var> buffers() {
        return List.of();
    }

    /** Switches training behaviour (batch statistics, dropout) on or off; a no-op for most layers. */
    default void setTraining(boolean training) {
    }

    /** Training mode, as {@code model.train()} in PyTorch. */
    default Module train() {
        setTraining(true);
        return this;
    }

    /** Inference mode, as {@code model.eval()} in PyTorch. */
    default Module eval() {
        setTraining(false);
        return this;
    }

    /**
     * Parameters by name, in {@link #parameters()} order.
     *
     * @throws IllegalStateException if two parameters share a name (two layers given the same name)
     */
    default Map<String, Var> namedParameters() {
        return ParamLists.byName(parameters());
    }

    /** Total number of trainable scalars. */
    default long parameterCount() {
        return ParamLists.count(parameters());
    }
}
