package io.finitegrad.layers;

import io.finitegrad.autodiff.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;

/** Argument checks and initial states shared by the recurrent layers' list forms (RNN, LSTM, GRU). */
final class Recurrent {
    private Recurrent() {
    }

    /**
     * {@code value}, checked to be non-null.
     *
     * @throws IllegalArgumentException naming the layer and the argument if it is null
     */
    static <T> T required(String layer, String what, T value) {
        if (value == null) throw new IllegalArgumentException(layer + ": the " + what + " is null");
        return value;
    }

    /**
     * Checks a sequence and returns its batch size.
     *
     * @throws IllegalArgumentException if it is empty, a step is null, or a step is not batch x in
     *     with one batch size throughout; or truncateEvery is negative
     */
    static int checkSteps(String layer, List<Var> xs, int in, int truncateEvery) {
        if (xs == null || xs.isEmpty()) throw new IllegalArgumentException(layer + ": empty sequence");
        if (truncateEvery < 0) {
            throw new IllegalArgumentException(layer + ": truncateEvery must be >= 0 (0 = off), got " + truncateEvery);
        }
        int batch = -1;
        for (int t = 0; t < xs.size(); t++) {
            Var x = xs.get(t);
            if (x == null) throw new IllegalArgumentException(layer + ": step " + t + " is null");
            if (x.cols() != in || (batch >= 0 && x.rows() != batch)) {
                throw new ShapeException(layer + ": step " + t + " '" + x.name() + "' is " + x.shape()
                        + ", expected batch x in = " + (batch >= 0 ? batch : "?") + "x" + in
                        + " (every step needs the same batch size)");
            }
            batch = x.rows();
        }
        return batch;
    }

    /** {@code given}, checked to be batch x hidden, or zeros if it is null. */
    static Var initialState(String layer, String what, Var given, int batch, int hidden) {
        if (given == null) return Var.constant(Tensor.zeros(batch, hidden));
        if (given.rows() != batch || given.cols() != hidden) {
            throw new ShapeException(layer + ": initial " + what + " '" + given.name() + "' is " + given.shape()
                    + ", expected batch x hidden = " + batch + "x" + hidden);
        }
        return given;
    }

    /** True before step t when truncated BPTT cuts the graph there. */
    static boolean cutBefore(int t, int truncateEvery) {
        return truncateEvery > 0 && t > 0 && t % truncateEvery == 0;
    }
}
