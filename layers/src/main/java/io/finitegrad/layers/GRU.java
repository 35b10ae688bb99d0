package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A gated recurrent unit layer (Cho et al.) in PyTorch's formulation, unrolled over a sequence
 * given as an n x (T*in) matrix ({@link #forward(Var)}, see {@link RecurrentLayer}) or a list of
 * steps ({@link #forward(List)}):
 *
 * <pre>
 * [xr xz xn] = x_t @ Wx + bx,   [hr hz hn] = h_{t-1} @ Wh + bh      (sliceCols of two fused matmuls)
 * r = sigmoid(xr + hr),  z = sigmoid(xz + hz),  n = tanh(xn + r * hn)
 * h_t = (1 - z) * n + z * h_{t-1}
 * </pre>
 *
 * Parameters {@code name/Wx} (in x 3h), {@code name/Wh} (h x 3h), {@code name/bx} and
 * {@code name/bh} (1 x 3h, zeros).
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
public final class GRU extends RecurrentLayer {
    private final Var wx;
    private final Var wh;
    private final Var bx;
    private final Var bh;

    /** A layer named {@code gru1}, {@code gru2}, ..., with Keras' defaults: Xavier-uniform Wx, orthogonal Wh. */
    public GRU(int in, int hidden, Random rng) {
        this(LayerNames.next("gru"), in, hidden, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng);
    }

    /** A named layer with Keras' defaults: Xavier-uniform Wx, orthogonal Wh. */
    public GRU(String name, int in, int hidden, Random rng) {
        this(name, in, hidden, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng);
    }

    /**
     * A named layer; Wx and Wh are drawn (in that order) as in x 3h and h x 3h matrices.
     *
     * @throws IllegalArgumentException for a bad name, non-positive sizes, a weight matrix of more
     *     elements than one tensor holds, or a null argument
     */
    public GRU(String name, int in, int hidden, Init inputInit, Init recurrentInit, Random rng) {
        super(name, in, hidden, false, 0);
        Recurrent.required(label(), "input initialiser", inputInit);
        Recurrent.required(label(), "recurrent initialiser", recurrentInit);
        Recurrent.required(label(), "random source", rng);
        Sizes.matrix(label(), "Wx", in, 3L * hidden);
        Sizes.matrix(label(), "Wh", hidden, 3L * hidden);
        try (var s = Names.scope(name)) {
            this.wx = Var.param("Wx", inputInit.init(in, 3 * hidden, rng));
            this.wh = Var.param("Wh", recurrentInit.init(hidden, 3 * hidden, rng));
            this.bx = Var.param("bx", Tensor.zeros(1, 3 * hidden));
            this.bh = Var.param("bh", Tensor.zeros(1, 3 * hidden));
        }
    }

    /** A copy sharing {@code source}'s parameters, with other output settings. */
    private GRU(GRU source, boolean returnSequences, int truncateEvery) {
        super(source.name(), source.inputSize(), source.hiddenSize(), returnSequences, truncateEvery);
        this.wx = source.wx;
        this.wh = source.wh;
        this.bx = source.bx;
        this.bh = source.bh;
    }

    @Override
    public GRU returnSequences(boolean on) {
        return new GRU(this, on, truncateEvery());
    }

    @Override
    public GRU truncateEvery(int k) {
        return new GRU(this, returnsSequences(), k);
    }

    @Override
    List<Var> states(List<Var> steps, int truncateEvery) {
        return forward(steps, null, truncateEvery);
    }

    /**
     * The hidden states from {@code h0} (batch x hidden, null for zeros), detaching the state every
     * {@code truncateEvery} steps (0: never).
     *
     * @throws IllegalArgumentException if the sequence is empty or a shape does not fit, naming the
     *     layer, the step and the shapes
     */
    public List<Var> forward(List<Var> xs, Var h0, int truncateEvery) {
        String layer = label();
        int hidden = hiddenSize();
        int batch = Recurrent.checkSteps(layer, xs, inputSize(), truncateEvery);
        Var h = Recurrent.initialState(layer, "state", h0, batch, hidden);
        List<Var> hs = new ArrayList<>(xs.size());
        int n = hidden;
        try (var s = Names.scope(name())) {
            for (int t = 0; t < xs.size(); t++) {
                if (Recurrent.cutBefore(t, truncateEvery)) h = h.detach();
                try (var step = Names.scope("step" + t)) {
                    Var xg = xs.get(t).matmul(wx).add(bx);
                    Var hg = h.matmul(wh).add(bh);
                    Var r, z, cand;
                    try (var g = Names.scope("reset")) {
                        r = xg.sliceCols(0, n).add(hg.sliceCols(0, n)).sigmoid();
                    }
                    try (var g = Names.scope("update")) {
                        z = xg.sliceCols(n, 2 * n).add(hg.sliceCols(n, 2 * n)).sigmoid();
                    }
                    try (var g = Names.scope("candidate")) {
                        cand = xg.sliceCols(2 * n, 3 * n).add(r.mul(hg.sliceCols(2 * n, 3 * n))).tanh();
                    }
                    h = cand.add(z.mul(h.sub(cand))); // (1 - z) n + z h, one op fewer
                }
                hs.add(h);
            }
        }
        return watchSteps(List.copyOf(hs));
    }

    public Var inputWeight() {
        return wx;
    }

    public Var recurrentWeight() {
        return wh;
    }

    /** The input-side bias bx, 1 x 3h, added to {@code x_t @ Wx} (PyTorch's {@code bias_ih}). */
    public Var inputBias() {
        return bx;
    }

    /** The hidden-side bias bh, 1 x 3h, added to {@code h_{t-1} @ Wh} before r scales its n part (PyTorch's {@code bias_hh}). */
    public Var recurrentBias() {
        return bh;
    }

    @Override
    public List<Var> parameters() {
        return List.of(wx, wh, bx, bh);
    }

    @Override
    String type() {
        return "GRU";
    }
}
