package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * An Elman recurrent layer, {@code h_t = act(x_t @ Wx + h_{t-1} @ Wh + b)}, unrolled over a
 * sequence of batch x in steps: a batch of sequences as an n x (T*in) matrix
 * ({@link #forward(Var)}, see {@link RecurrentLayer}) or as a list of steps
 * ({@link #forward(List)}, which returns every hidden state, batch x hidden).
 *
 * <p>Parameters are {@code name/Wx} (in x hidden), {@code name/Wh} (hidden x hidden) and
 * {@code name/b} (1 x hidden, zeros); the nodes of step t are {@code name/step<t>/matmul}, ..., so a
 * report says at which step a NaN/Inf appeared. The graph is one chain per step and autodiff's
 * backward is iterative, so sequences of any length backpropagate without recursion, in memory
 * linear in the length.
 *
 * <p>Backpropagation through a long sequence multiplies the gradient by {@code Wh^T diag(act')} once
 * per step. STANDARD_NORMAL weights give Wh a spectral radius of ~sqrt(hidden): a linear RNN's
 * gradient then grows geometrically with the length, and a tanh RNN of 16 units is chaotic and its
 * gradient explodes for most draws; ORTHOGONAL recurrent weights keep every singular value at 1 and
 * the gradient bounded.
 * Truncated BPTT ({@link #truncateEvery(int)}, {@link #forward(List, Var, int)}) detaches the
 * state every k steps, bounding how far back gradients travel.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class RNN extends RecurrentLayer {
    private final Activation act;
    private final Var wx;
    private final Var wh;
    private final Var b;

    /** A layer named {@code rnn1}, {@code rnn2}, ..., with {@code init} for both weight matrices. */
    public RNN(int in, int hidden, Activation act, Init init, Random rng) {
        this(LayerNames.next("rnn"), in, hidden, act, init, init, rng);
    }

    /** A named layer with {@code init} for both weight matrices. */
    public RNN(String name, int in, int hidden, Activation act, Init init, Random rng) {
        this(name, in, hidden, act, init, init, rng);
    }

    /**
     * A named layer with separate initialisers for the input weights Wx and the recurrent weights Wh
     * (drawn in that order from {@code rng}). It returns the last state and does not truncate.
     *
     * @throws IllegalArgumentException for a bad name, non-positive sizes, a weight matrix of more
     *     elements than one tensor holds, or a null argument
     */
    public RNN(String name, int in, int hidden, Activation act, Init inputInit, Init recurrentInit, Random rng) {
        super(name, in, hidden, false, 0);
        this.act = Recurrent.required(label(), "activation", act);
        Recurrent.required(label(), "input initialiser", inputInit);
        Recurrent.required(label(), "recurrent initialiser", recurrentInit);
        Recurrent.required(label(), "random source", rng);
        Sizes.matrix(label(), "Wx", in, hidden);
        Sizes.matrix(label(), "Wh", hidden, hidden);
        try (var s = Names.scope(name)) {
            this.wx = Var.param("Wx", inputInit.init(in, hidden, rng));
            this.wh = Var.param("Wh", recurrentInit.init(hidden, hidden, rng));
            this.b = Var.param("b", Tensor.zeros(1, hidden));
        }
    }

    /** A copy sharing {@code source}'s parameters, with other output settings. */
    private RNN(RNN source, boolean returnSequences, int truncateEvery) {
        super(source.name(), source.inputSize(), source.hiddenSize(), returnSequences, truncateEvery);
        this.act = source.act;
        this.wx = source.wx;
        this.wh = source.wh;
        this.b = source.b;
    }

    @Override
    public RNN returnSequences(boolean on) {
        return new RNN(this, on, truncateEvery());
    }

    @Override
    public RNN truncateEvery(int k) {
        return new RNN(this, returnsSequences(), k);
    }

    @Override
    List<Var> states(List<Var> steps, int truncateEvery) {
        return forward(steps, null, truncateEvery);
    }

    /** The hidden states for {@code xs}, starting from {@code h0} (batch x hidden; null for zeros). */
    public List<Var> forward(List<Var> xs, Var h0) {
        return forward(xs, h0, truncateEvery());
    }

    /**
     * The hidden states for {@code xs} with truncated backpropagation through time: the state is
     * detached ({@link Var#detach()}) before every {@code truncateEvery}-th step, so gradients flow
     * back at most that many steps. 0 means no truncation.
     *
     * @throws IllegalArgumentException if {@code xs} is empty, a step is null or not batch x in, the
     *     steps' batch sizes differ, h0 is not batch x hidden, or truncateEvery is negative
     */
    public List<Var> forward(List<Var> xs, Var h0, int truncateEvery) {
        String layer = label();
        int batch = Recurrent.checkSteps(layer, xs, inputSize(), truncateEvery);
        Var h = Recurrent.initialState(layer, "state", h0, batch, hiddenSize());
        List<Var> states = new ArrayList<>(xs.size());
        try (var s = Names.scope(name())) {
            for (int t = 0; t < xs.size(); t++) {
                if (Recurrent.cutBefore(t, truncateEvery)) h = h.detach();
                try (var step = Names.scope("step" + t)) {
                    h = act.apply(xs.get(t).matmul(wx).add(h.matmul(wh)).add(b));
                }
                states.add(h);
            }
        }
        return watchSteps(List.copyOf(states));
    }

    /** The activation applied to each step's pre-activation. */
    public Activation activation() {
        return act;
    }

    /** Input weights, in x hidden. */
    public Var inputWeight() {
        return wx;
    }

    /** Recurrent weights, hidden x hidden. */
    public Var recurrentWeight() {
        return wh;
    }

    /** Bias, 1 x hidden. */
    public Var bias() {
        return b;
    }

    @Override
    public List<Var> parameters() {
        return List.of(wx, wh, b);
    }

    @Override
    String type() {
        return "RNN, " + act.name().toLowerCase();
    }

    @Override
    public String toString() {
        return label() + " " + inputSize() + " -> " + hiddenSize() + " " + act;
    }
}
