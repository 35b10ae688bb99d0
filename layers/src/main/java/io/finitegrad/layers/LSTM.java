package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A long short-term memory layer (Hochreiter and Schmidhuber), unrolled over a sequence given as an
 * n x (T*in) matrix ({@link #forward(Var)}, see {@link RecurrentLayer}) or a list of steps
 * ({@link #forward(List)}, {@link #unroll}):
 *
 * <pre>
 * [i f g o] = x_t @ Wx + h_{t-1} @ Wh + b          one fused matmul pair, split with sliceCols
 * i, f, o = sigmoid(.), g = tanh(.)
 * c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
 * </pre>
 *
 * The cell state is updated additively, so the gradient along c is multiplied by the forget gate
 * rather than by a weight matrix at every step: it neither explodes nor vanishes as an Elman RNN's
 * does while f stays near 1. Gate order is PyTorch's (i, f, g, o). Parameters {@code name/Wx}
 * (in x 4h), {@code name/Wh} (h x 4h) and {@code name/b} (1 x 4h: zeros, forget-gate part 1 as in
 * Keras' {@code unit_forget_bias}).
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class LSTM extends RecurrentLayer {
    /** Hidden and cell states of every step. */
    public record Unrolled(List<Var> hidden, List<Var> cells) {
    }

    private final Var wx;
    private final Var wh;
    private final Var b;

    /** A layer named {@code lstm1}, {@code lstm2}, ..., with Keras' defaults: Xavier-uniform Wx, orthogonal Wh. */
    public LSTM(int in, int hidden, Random rng) {
        this(LayerNames.next("lstm"), in, hidden, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng);
    }

    /** A named layer with Keras' defaults: Xavier-uniform Wx, orthogonal Wh. */
    public LSTM(String name, int in, int hidden, Random rng) {
        this(name, in, hidden, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng);
    }

    /**
     * A named layer; Wx and Wh are drawn (in that order) as in x 4h and h x 4h matrices.
     *
     * @throws IllegalArgumentException for a bad name, non-positive sizes, a weight matrix of more
     *     elements than one tensor holds, or a null argument
     */
    public LSTM(String name, int in, int hidden, Init inputInit, Init recurrentInit, Random rng) {
        super(name, in, hidden, false, 0);
        Recurrent.required(label(), "input initialiser", inputInit);
        Recurrent.required(label(), "recurrent initialiser", recurrentInit);
        Recurrent.required(label(), "random source", rng);
        Sizes.matrix(label(), "Wx", in, 4L * hidden);
        Sizes.matrix(label(), "Wh", hidden, 4L * hidden);
        double[] bias = new double[4 * hidden];
        for (int j = hidden; j < 2 * hidden; j++) bias[j] = 1.0; // forget gate open at first
        try (var s = Names.scope(name)) {
            this.wx = Var.param("Wx", inputInit.init(in, 4 * hidden, rng));
            this.wh = Var.param("Wh", recurrentInit.init(hidden, 4 * hidden, rng));
            this.b = Var.param("b", Tensor.of(1, 4 * hidden, bias));
        }
    }

    /** A copy sharing {@code source}'s parameters, with other output settings. */
    private LSTM(LSTM source, boolean returnSequences, int truncateEvery) {
        super(source.name(), source.inputSize(), source.hiddenSize(), returnSequences, truncateEvery);
        this.wx = source.wx;
        this.wh = source.wh;
        this.b = source.b;
    }

    @Override
    public LSTM returnSequences(boolean on) {
        return new LSTM(this, on, truncateEvery());
    }

    @Override
    public LSTM truncateEvery(int k) {
        return new LSTM(this, returnsSequences(), k);
    }

    @Override
    List<Var> states(List<Var> steps, int truncateEvery) {
        return unroll(steps, null, null, truncateEvery).hidden();
    }

    /**
     * Hidden and cell states for {@code xs} from {@code h0} and {@code c0} (batch x hidden, null for
     * zeros), detaching both every {@code truncateEvery} steps (0: never).
     *
     * @throws IllegalArgumentException if the sequence is empty or a shape does not fit, naming the
     *     layer, the step and the shapes
     */
    public Unrolled unroll(List<Var> xs, Var h0, Var c0, int truncateEvery) {
        String layer = label();
        int hidden = hiddenSize();
        int batch = Recurrent.checkSteps(layer, xs, inputSize(), truncateEvery);
        Var h = Recurrent.initialState(layer, "hidden state", h0, batch, hidden);
        Var c = Recurrent.initialState(layer, "cell state", c0, batch, hidden);
        List<Var> hs = new ArrayList<>(xs.size()), cs = new ArrayList<>(xs.size());
        int n = hidden;
        try (var s = Names.scope(name())) {
            for (int t = 0; t < xs.size(); t++) {
                if (Recurrent.cutBefore(t, truncateEvery)) {
                    h = h.detach();
                    c = c.detach();
                }
                try (var step = Names.scope("step" + t)) {
                    Var gates = xs.get(t).matmul(wx).add(h.matmul(wh)).add(b);
                    Var i = gate("input", gates, 0, n, true);
                    Var f = gate("forget", gates, n, 2 * n, true);
                    Var g = gate("candidate", gates, 2 * n, 3 * n, false);
                    Var o = gate("output", gates, 3 * n, 4 * n, true);
                    try (var cell = Names.scope("cell")) {
                        c = f.mul(c).add(i.mul(g));
                        h = o.mul(c.tanh());
                    }
                }
                hs.add(h);
                cs.add(c);
            }
        }
        return new Unrolled(watchSteps(List.copyOf(hs)), List.copyOf(cs));
    }

    /** One gate's columns of the fused pre-activations, in its own scope so reports name the gate. */
    private static Var gate(String scope, Var gates, int from, int to, boolean sigmoid) {
        try (var s = Names.scope(scope)) {
            Var pre = gates.sliceCols(from, to);
            return sigmoid ? pre.sigmoid() : pre.tanh();
        }
    }

    public Var inputWeight() {
        return wx;
    }

    public Var recurrentWeight() {
        return wh;
    }

    public Var bias() {
        return b;
    }

    @Override
    public List<Var> parameters() {
        return List.of(wx, wh, b);
    }

    @Override
    String type() {
        return "LSTM";
    }
}
