package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Layers applied one after another, as {@code torch.nn.Sequential}; any {@link Layer} fits,
 * recurrent ones included (an RNN or LSTM followed by a Dense head is a many-to-one sequence
 * classifier). It opens no name scope of its own, so its layers keep their names
 * ({@code dense1/W}, not {@code sequential1/dense1/W}); it is itself named {@code sequential1},
 * {@code sequential2}, ...
 *
 * <p>A layer may appear more than once (weight sharing, as in PyTorch): it is applied at each place,
 * its gradients from every use add up in its one set of parameters, and {@link #parameters()},
 * {@link #buffers()}, the state dict and the count list them once, at the first use;
 * {@link #summary()} marks the later uses as shared.
 *
 * <p>When every layer is built-in, a forward walks the stack once for the creation site (the line
 * of yours that called it) and its layers share it ({@link Names#siteScope()}); a layer of yours
 * inside it makes each layer walk for itself, so that nodes name the line in your layer.
 */
@SuppressWarnings("try") // the site scope is opened for its effect on the nodes' sites, never read
public final class Sequential extends Layer {
    private final List<Layer> layers;
    /** Every layer runs library code only: fixed at construction, as the list is. */
    private final boolean onlyLibraryCode;

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
        boolean library = true;
        for (Layer l : layers) library &= l.runsOnlyLibraryCode();
        this.onlyLibraryCode = library;
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
        requireInput(x);
        if (!onlyLibraryCode) return through(x);
        try (var s = Names.siteScope()) {
            return through(x);
        }
    }

    private Var through(Var x) {
        Var h = x;
        for (Layer l : layers) h = l.forward(h);
        return h;
    }

    @Override
    boolean runsOnlyLibraryCode() {
        return onlyLibraryCode;
    }

    /** Every layer's parameters in order, each once however many times its layer is used. */
    @Override
    public List<Var> parameters() {
        List<Var> all = new ArrayList<>();
        for (Layer l : layers) all.addAll(l.parameters());
        return ParamLists.distinct(all);
    }

    /** Every layer's buffers in order, each once however many times its layer is used. */
    @Override
    public List<Var> buffers() {
        List<Var> all = new ArrayList<>();
        for (Layer l : layers) all.addAll(l.buffers());
        return ParamLists.distinct(all);
    }

    /** Sets the mode of this container and of every layer in it. */
    @Override
    public Sequential train(boolean mode) {
        super.train(mode);
        for (Layer l : layers) l.train(mode);
        return this;
    }

    /** One row per use of a layer, nested containers flattened; a layer's later uses are marked shared and count 0. */
    @Override
    public List<LayerInfo> layerInfo() {
        List<LayerInfo> rows = new ArrayList<>();
        addRows(rows, Collections.newSetFromMap(new IdentityHashMap<>()));
        return List.copyOf(rows);
    }

    /** Recurses into nested containers itself, so a layer shared across nesting levels is seen as one. */
    private void addRows(List<LayerInfo> rows, Set<Layer> seen) {
        for (Layer l : layers) {
            if (l instanceof Sequential inner && seen.add(inner)) {
                inner.addRows(rows, seen);
            } else if (seen.add(l)) {
                rows.addAll(l.layerInfo());
            } else {
                for (LayerInfo r : l.layerInfo()) rows.add(r.sharedUse());
            }
        }
    }
}
