package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.GRU;
import io.finitegrad.layers.LSTM;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.RNN;
import io.finitegrad.layers.RecurrentLayer;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.io.CheckpointFormatException;
import io.finitegrad.optim.io.StateDictMismatchException;
import io.finitegrad.optim.io.StateDicts;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's PyTorch layout, for {@link Checkpoint#saveTorch} and {@link Checkpoint#loadTorch}:
 * the state-dict key of the reference PyTorch module each parameter becomes, and that module as a
 * Python expression.
 *
 * <ul>
 * <li>A {@code Sequential} of {@code Dense} layers is {@code nn.Sequential(nn.Linear, activation,
 *     nn.Linear, ...)}: keys {@code <i>.weight} (out x in, the transpose of W) and {@code <i>.bias}
 *     (rank 1), where i counts modules and a Dense's activation other than IDENTITY is one module.
 * <li>{@code Sequential(RNN | LSTM | GRU, Dense)} is {@code Recurrent(rnn, head)} of the fixture
 *     script: keys {@code rnn.weight_ih_l0}, {@code rnn.weight_hh_l0} (transposed),
 *     {@code rnn.bias_ih_l0}, {@code rnn.bias_hh_l0}, {@code head.weight}, {@code head.bias}. The
 *     gate orders already agree (i, f, g, o and r, z, n); GRU's two biases are PyTorch's two, and
 *     the single bias of RNN and LSTM is {@code bias_ih + bias_hh} (written as b and zeros).
 * </ul>
 *
 * Anything else is refused by {@link #of} rather than approximated.
 */
final class TorchLayout {
    /**
     * One finitegrad parameter and the PyTorch tensors it is made of: a weight is the transpose of
     * its one tensor; a bias row is the sum of its tensors, the first of which carries it on export.
     */
    private record Slot(Var param, boolean weight, List<String> keys) {
        int torchRows() {
            return weight ? param.cols() : 1;
        }

        int torchCols() {
            return weight ? param.rows() : param.cols();
        }
    }

    private final String label;
    private final String module;
    private final List<Slot> slots;

    private TorchLayout(String label, String module, List<Slot> slots) {
        this.label = label;
        this.module = module;
        this.slots = List.copyOf(slots);
    }

    /**
     * The layout of {@code model}.
     *
     * @throws IllegalArgumentException naming the layer and the reason if the model has no PyTorch
     *     layout: not a Sequential, a layer other than Dense (normalisation, dropout, a nested
     *     Sequential, a layer of your own), a layer used twice, sizes that do not chain, a recurrent
     *     layer not first or not followed by exactly one Dense head, a head with an activation, a
     *     recurrent layer returning sequences, an RNN activation other than TANH and RELU
     */
    static TorchLayout of(Layer model) {
        if (!(model instanceof Sequential seq)) {
            throw refusal(model.getClass().getSimpleName() + " '" + model.name() + "'",
                    "only a Sequential of Dense layers, or Sequential(RNN|LSTM|GRU, Dense), has a PyTorch layout");
        }
        String label = "Sequential '" + seq.name() + "'";
        List<Layer> layers = seq.layers();
        return layers.get(0) instanceof RecurrentLayer r ? recurrent(label, r, layers) : mlp(label, layers);
    }

    private static TorchLayout mlp(String label, List<Layer> layers) {
        List<Slot> slots = new ArrayList<>();
        List<String> modules = new ArrayList<>();
        Set<Layer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Dense prev = null;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (!(l instanceof Dense d)) {
                throw refusal(label, "layer " + i + " " + describe(l) + " has no nn.Sequential counterpart here (only Dense"
                        + " layers map, to nn.Linear; a recurrent model is Sequential(RNN|LSTM|GRU, Dense))");
            }
            if (!seen.add(d)) throw refusal(label, "layer " + i + " " + describe(d) + " is used twice (shared weights)");
            int in = d.weight().rows();
            if (prev != null && in != prev.weight().cols()) {
                throw refusal(label, "layer " + i + " " + describe(d) + " takes " + in + " inputs but layer " + (i - 1)
                        + " gives " + prev.weight().cols());
            }
            prev = d;
            String at = String.valueOf(modules.size());
            slots.add(new Slot(d.weight(), true, List.of(at + ".weight")));
            slots.add(new Slot(d.bias(), false, List.of(at + ".bias")));
            modules.add(linear(d));
            String act = activationModule(d.activation());
            if (act != null) modules.add(act);
        }
        return new TorchLayout(label, "nn.Sequential(" + String.join(", ", modules) + ")", slots);
    }

    private static TorchLayout recurrent(String label, RecurrentLayer r, List<Layer> layers) {
        if (layers.size() != 2 || !(layers.get(1) instanceof Dense head)) {
            throw refusal(label, "a recurrent model maps as Sequential(RNN|LSTM|GRU, Dense), got "
                    + layers.stream().map(TorchLayout::describe).toList());
        }
        if (r.returnsSequences()) {
            throw refusal(label, describe(r) + " returns sequences; Recurrent's head reads the last step only");
        }
        if (head.activation() != Activation.IDENTITY) {
            throw refusal(label, "head " + describe(head) + " has activation " + head.activation()
                    + "; Recurrent's head is a plain nn.Linear (use IDENTITY and apply it to the logits)");
        }
        if (head.weight().rows() != r.hiddenSize()) {
            throw refusal(label, "head " + describe(head) + " takes " + head.weight().rows() + " inputs but "
                    + describe(r) + " gives " + r.hiddenSize());
        }
        List<Slot> slots = new ArrayList<>();
        String args = r.inputSize() + ", " + r.hiddenSize();
        String rnn;
        if (r instanceof GRU g) {
            slots.add(new Slot(g.inputWeight(), true, List.of("rnn.weight_ih_l0")));
            slots.add(new Slot(g.recurrentWeight(), true, List.of("rnn.weight_hh_l0")));
            slots.add(new Slot(g.inputBias(), false, List.of("rnn.bias_ih_l0")));
            slots.add(new Slot(g.recurrentBias(), false, List.of("rnn.bias_hh_l0")));
            rnn = "nn.GRU(" + args + ", batch_first=True)";
        } else if (r instanceof LSTM l) {
            addSingleBias(slots, l.inputWeight(), l.recurrentWeight(), l.bias());
            rnn = "nn.LSTM(" + args + ", batch_first=True)";
        } else {
            RNN e = (RNN) r; // RecurrentLayer permits RNN, LSTM and GRU only
            if (e.activation() != Activation.TANH && e.activation() != Activation.RELU) {
                throw refusal(label, describe(e) + " has activation " + e.activation()
                        + "; nn.RNN's nonlinearity is 'tanh' or 'relu'");
            }
            addSingleBias(slots, e.inputWeight(), e.recurrentWeight(), e.bias());
            String nonlinearity = e.activation() == Activation.RELU ? ", nonlinearity='relu'" : "";
            rnn = "nn.RNN(" + args + nonlinearity + ", batch_first=True)";
        }
        slots.add(new Slot(head.weight(), true, List.of("head.weight")));
        slots.add(new Slot(head.bias(), false, List.of("head.bias")));
        return new TorchLayout(label, "Recurrent(" + rnn + ", " + linear(head) + ")", slots);
    }

    private static void addSingleBias(List<Slot> slots, Var wx, Var wh, Var b) {
        slots.add(new Slot(wx, true, List.of("rnn.weight_ih_l0")));
        slots.add(new Slot(wh, true, List.of("rnn.weight_hh_l0")));
        slots.add(new Slot(b, false, List.of("rnn.bias_ih_l0", "rnn.bias_hh_l0")));
    }

    private static String linear(Dense d) {
        return "nn.Linear(" + d.weight().rows() + ", " + d.weight().cols() + ")";
    }

    /** The PyTorch module after a Linear for {@code act}, or null for none. */
    private static String activationModule(Activation act) {
        return switch (act) {
            case IDENTITY -> null;
            case SIGMOID -> "nn.Sigmoid()";
            case TANH -> "nn.Tanh()";
            case RELU -> "nn.ReLU()";
            case LEAKY_RELU -> "nn.LeakyReLU(" + Activation.LEAKY_SLOPE + ")";
        };
    }

    private static String describe(Layer l) {
        return "'" + l.name() + "' (" + l.getClass().getSimpleName() + ")";
    }

    private static IllegalArgumentException refusal(String model, String why) {
        return new IllegalArgumentException(model + " has no PyTorch layout: " + why);
    }

    /** The model as messages name it, e.g. {@code Sequential 'sequential1'}. */
    String label() {
        return label;
    }

    /** The reference module as a Python expression over {@code nn} and {@code Recurrent}. */
    String module() {
        return module;
    }

    /** A snapshot of the PyTorch state dict, in PyTorch's key order, every tensor 2-D (biases 1 x n). */
    Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Slot s : slots) {
            Tensor v = s.param().value();
            out.put(s.keys().get(0), s.weight() ? transpose(v) : v);
            for (int k = 1; k < s.keys().size(); k++) out.put(s.keys().get(k), Tensor.zeros(1, v.cols()));
        }
        return out;
    }

    /** The keys PyTorch keeps as rank-1 tensors: the biases. */
    Set<String> rank1() {
        Set<String> out = new LinkedHashSet<>();
        for (Slot s : slots) if (!s.weight()) out.addAll(s.keys());
        return out;
    }

    /**
     * Loads a PyTorch state dict into the model in place, all or nothing: every key present with
     * PyTorch's shape, no other key, every value finite, and every summed bias finite.
     *
     * @throws CheckpointFormatException naming {@code source}, this model and every problem (with
     *     the {@link StateDictMismatchException} as its cause); the model is then unchanged
     */
    void load(Map<String, Tensor> tensors, String source) throws CheckpointFormatException {
        Map<String, Var> staged = new LinkedHashMap<>();
        for (Slot s : slots) {
            for (String key : s.keys()) staged.put(key, Var.constant(Tensor.zeros(s.torchRows(), s.torchCols())));
        }
        try {
            StateDicts.load(staged, tensors);
        } catch (StateDictMismatchException e) {
            throw new CheckpointFormatException(source + " does not fit the PyTorch layout of " + label + ", "
                    + module + ": " + e.describe("file"), e);
        }
        List<double[]> values = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            double[] v = s.weight() ? transpose(staged.get(s.keys().get(0)).value()).toFlatArray()
                    : sum(staged, s.keys());
            for (double x : v) {
                if (!Double.isFinite(x)) {
                    throw new CheckpointFormatException(source + ": " + String.join(" + ", s.keys()) + " overflows for '"
                            + s.param().name() + "' of " + label + ", which holds their sum");
                }
            }
            values.add(v);
        }
        for (int i = 0; i < slots.size(); i++) {
            double[] v = values.get(i);
            System.arraycopy(v, 0, slots.get(i).param().write().data, 0, v.length);
        }
    }

    private static double[] sum(Map<String, Var> staged, List<String> keys) {
        double[] total = staged.get(keys.get(0)).value().toFlatArray();
        for (int k = 1; k < keys.size(); k++) {
            double[] more = staged.get(keys.get(k)).value().toFlatArray();
            for (int j = 0; j < total.length; j++) total[j] += more[j];
        }
        return total;
    }

    private static Tensor transpose(Tensor t) {
        double[] src = t.toFlatArray();
        double[] dst = new double[src.length];
        int rows = t.rows(), cols = t.cols();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        }
        return Tensor.of(cols, rows, dst);
    }
}
