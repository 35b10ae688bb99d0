package io.finitegrad.layers;

import io.finitegrad.autodiff.Var;
import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied one after another, as {@code torch.nn.Sequential}. It opens no name scope of its
 * own, so its layers keep their names ({@code dense1/W}, not {@code sequential1/dense1/W}).
 */
public final class Sequential implements Module {
    private final List<Module> layers;

    /**
     * @throws IllegalArgumentException if there are no layers, a layer is null, or two layers'
     *     parameters share a name
     */
    public Sequential(Module... layers) {
        if (layers == null || layers.length == 0) throw new IllegalArgumentException("Sequential: no layers");
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == null) throw new IllegalArgumentException("Sequential: layer " + i + " is null");
        }
        this.layers = List.of(layers);
        try {
            namedParameters();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("Sequential: " + e.getMessage(), e);
        }
    }

    public List<Module> layers() {
        return layers;
    }

    @Override
    public Var forward(Var x) {
        Var h = x;
        for (Module m : layers) h = m.forward(h);
        return h;
    }

    @Override
    public List<Var> parameters() {
        List<Var> all = new ArrayList<>();
        for (Module m : layers) all.addAll(m.parameters());
        return List.copyOf(all);
    }

    @Override
    public List<Var> buffers() {
        List<Var> all = new ArrayList<>();
        for (Module m : layers) all.addAll(m.buffers());
        return List.copyOf(all);
    }

    @Override
    public void setTraining(boolean training) {
        for (Module m : layers) m.setTraining(training);
    }

    @Override
    public List<LayerInfo> layerInfo() {
        List<LayerInfo> rows = new ArrayList<>();
        for (Module m : layers) rows.addAll(m.layerInfo());
        return List.copyOf(rows);
    }

}
