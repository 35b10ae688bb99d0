package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied one after another, as {@code torch.nn.Sequential}; any {@link Layer} fits,
 * recurrent ones included (an RNN or LSTM followed by a Dense head is a many-to-one sequence
 * classifier). It opens no name scope of its own, so its layers keep their names
 * ({@code dense1/W}, not {@code sequential1/dense1/W}); it is itself named {@code sequential1},
 * {@code sequential2}, ...
 */
public final class Sequential extends Layer {
    private final List<Layer> layers;

    /**
     * @throws IllegalArgumentException if there are no layers, a layer is null, or two of the
     *     layers' parameters or buffers share a name
     */
    public Sequential(Layer... layers) {
        if (layers == null || layers.length == 0) throw new IllegalArgumentException("Sequential: no layers");
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == null) throw new IllegalArgumentException("Sequential: layer " + i + " is null");
        }
        this.layers = List.of(layers);
        try {
            stateDict();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("Sequential: " + e.getMessage(), e);
        }
    }

    /** The layers in the order they are applied. */
    public List<Layer> layers() {
        return layers;
    }

    @Override
    public Var forward(Var x) {
        Var h = x;
        for (Layer l : layers) h = l.forward(h);
        return h;
    }

    @Override
    public List<Var> parameters() {
        List<Var> all = new ArrayList<>();
        for (Layer l : layers) all.addAll(l.parameters());
        return List.copyOf(all);
    }

    @Override
    public List<Var> buffers() {
        List<Var> all = new ArrayList<>();
        for (Layer l : layers) all.addAll(l.buffers());
        return List.copyOf(all);
    }

    /** Sets the mode of this container and of every layer in it. */
    @Override
    public Sequential train(boolean mode) {
        super.train(mode);
        for (Layer l : layers) l.train(mode);
        return this;
    }

    @Override
    public List<LayerInfo> layerInfo() {
        List<LayerInfo> rows = new ArrayList<>();
        for (Layer l : layers) rows.addAll(l.layerInfo());
        return List.copyOf(rows);
    }
}
