package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.Warnings;
import java.util.ArrayList;
import java.util.List;

/**
 * What the recurrent layers ({@link RNN}, {@link LSTM}, {@link GRU}) share: the matrix form of a
 * batch of sequences and the layer settings that shape their output.
 *
 * <p>A batch of n sequences of T steps of {@code in} features is an n x (T*in) matrix, step-major:
 * columns {@code t*in ... t*in+in-1} hold step t. So datasets, CSV files and scalers stay 2-D and a
 * recurrent layer is an ordinary {@link Layer}: {@link #forward(Var)} splits the matrix into its
 * T = cols / in steps and returns the last hidden state (n x hidden), or, built with
 * {@link #returnSequences(boolean) returnSequences(true)}, every step's state concatenated the same
 * way (n x (T*hidden)), as Keras' {@code return_sequences}. {@link #forward(List)} takes the steps
 * as a list instead and returns one state per step.
 *
 * <p>{@link #truncateEvery(int)} turns on truncated backpropagation through time for both forms:
 * the state is detached before every k-th step, so gradients flow back at most k steps.
 */
public abstract sealed class RecurrentLayer extends Layer permits RNN, LSTM, GRU {
    private final int in;
    private final int hidden;
    private final boolean returnSequences;
    private final int truncateEvery;

    /** @throws IllegalArgumentException for a bad name, non-positive sizes or a negative truncateEvery */
    RecurrentLayer(String name, int in, int hidden, boolean returnSequences, int truncateEvery) {
        super(name);
        if (in <= 0 || hidden <= 0) {
            throw new IllegalArgumentException(label() + ": in and hidden must be positive, got in = " + in
                    + ", hidden = " + hidden);
        }
        if (truncateEvery < 0) {
            throw new IllegalArgumentException(label() + ": truncateEvery must be >= 0 (0 = off), got " + truncateEvery);
        }
        this.in = in;
        this.hidden = hidden;
        this.returnSequences = returnSequences;
        this.truncateEvery = truncateEvery;
    }

    /**
     * The layer over a batch of sequences in matrix form, n x (T*in), step-major: the last hidden
     * state (n x hidden), or every step's state as n x (T*hidden) if the layer returns sequences.
     *
     * @throws ShapeException if the width is not a positive multiple of {@code in}, naming the layer,
     *     the width and {@code in}
     */
    @Override
    @SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
    public final Var forward(Var x) {
        requireInput(x);
        if (x.cols() == 0 || x.cols() % in != 0) {
            throw new ShapeException(label() + ": input '" + x.name() + "' is " + x.shape() + ", whose width "
                    + x.cols() + " is not a multiple of in = " + in + " (a batch of T steps is n x (T*" + in
                    + "), step t in columns t*" + in + " .. t*" + in + "+" + (in - 1) + ")");
        }
        int steps = x.cols() / in;
        List<Var> xs = new ArrayList<>(steps);
        if (steps == 1) {
            xs.add(x);
        } else {
            try (var s = Names.scope(name())) {
                for (int t = 0; t < steps; t++) {
                    try (var step = Names.scope("step" + t)) {
                        xs.add(x.sliceCols(t * in, (t + 1) * in));
                    }
                }
            }
        }
        List<Var> hs = states(xs, truncateEvery);
        if (!returnSequences) return hs.get(hs.size() - 1);
        if (steps == 1) return hs.get(0);
        try (var s = Names.scope(name())) {
            return Var.concatCols(hs.toArray(new Var[0]));
        }
    }

    /**
     * The states for a list of steps (each batch x in), one per step, from a zero state and with the
     * layer's {@link #truncateEvery()}.
     *
     * @throws IllegalArgumentException if the list is empty, a step is null or not batch x in, or
     *     the steps' batch sizes differ
     */
    public final List<Var> forward(List<Var> steps) {
        return states(steps, truncateEvery);
    }

    /** The hidden states of every step of {@code steps}, from a zero state, truncated every k steps (0: never). */
    abstract List<Var> states(List<Var> steps, int truncateEvery);

    /**
     * A copy of this layer, sharing its parameters (same name, same variables), whose
     * {@link #forward(Var)} returns every step's state (true) or only the last one (false).
     */
    public abstract RecurrentLayer returnSequences(boolean on);

    /**
     * A copy of this layer, sharing its parameters, that detaches the state before every k-th step
     * in both forward forms (0: never, the default).
     *
     * @throws IllegalArgumentException if k is negative
     */
    public abstract RecurrentLayer truncateEvery(int k);

    /**
     * Registers the first and last of {@code states} and the parameters with an open
     * {@link Warnings} collection, if any, so a gradient that grows on its way back through time is
     * reported; returns {@code states}.
     */
    final List<Var> watchSteps(List<Var> states) {
        if (Warnings.active()) Warnings.watchSteps(name(), states.get(0), states.get(states.size() - 1), parameters());
        return states;
    }

    /** RNN, LSTM and GRU (the only subclasses) call built-in ops and their own scopes only. */
    @Override
    final boolean runsOnlyLibraryCode() {
        return true;
    }

    /** Whether {@link #forward(Var)} returns every step's state rather than the last one. */
    public final boolean returnsSequences() {
        return returnSequences;
    }

    /** The truncated-BPTT window, 0 if off. */
    public final int truncateEvery() {
        return truncateEvery;
    }

    /** Features per step. */
    public final int inputSize() {
        return in;
    }

    /** Size of the hidden state. */
    public final int hiddenSize() {
        return hidden;
    }

    /** The type column of the summary row, e.g. {@code RNN, tanh}. */
    abstract String type();

    /** The summary row: {@code ?x(T*in)} to {@code ?xhidden}, or {@code ?x(T*hidden)} when returning sequences. */
    @Override
    public final List<LayerInfo> layerInfo() {
        String out = returnSequences ? "?x(T*" + hidden + ")" : "?x" + hidden;
        return List.of(LayerInfo.of(name(), type(), "?x(T*" + in + ")", out, parameters()));
    }

    /** The layer as messages name it, e.g. {@code RNN 'rnn1'}. */
    final String label() {
        return getClass().getSimpleName() + " '" + name() + "'";
    }
}
