package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import java.util.List;
import java.util.Map;

/**
 * A layer over sequences, as recurrent layers are: the input is a list of time steps, each a
 * batch x features node, and the output one node per step.
 */
public interface SequenceModule {
    /**
     * The layer unrolled over {@code xs}.
     *
     * @throws IllegalArgumentException if the sequence is empty or a step's shape does not fit,
     *     naming the layer, the step and the shapes
     */
    List<Var> forward(List<Var> xs);

    /** The trainable parameters in a stable order; each {@link Var#name()} is unique. */
    List<Var> parameters();

    /** The layer's name (its scope, e.g. {@code rnn1}). */
    String name();

    /** The layer's row in a summary table. */
    LayerInfo layerInfo();

    /** A Keras-like table of the layer's shapes and parameter count. */
    default String summary() {
        return SummaryTable.render(getClass().getSimpleName() + " '" + name() + "'", List.of(layerInfo()),
                parameterCount());
    }

    /** Parameters by name, in {@link #parameters()} order. */
    default Map<String, Var> namedParameters() {
        return ParamLists.byName(parameters());
    }

    /** Total number of trainable scalars. */
    default long parameterCount() {
        return ParamLists.count(parameters());
    }
}
