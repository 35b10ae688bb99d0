package io.finitegrad.autodiff;

/**
 * A warning that training is heading for trouble before any NaN/Inf exists: a gradient exploding
 * or vanishing (under emulation also underflowing to exactly 0 in the format), or values close to the
 * overflow of the format computed in (float64's unless emulated). Warnings are not exceptions and not guard
 * reports: they are collected in their own list ({@link Warnings#collect()}), in every guard mode,
 * at layer boundaries (see {@link Warnings#watch}).
 *
 * @param kind what is wrong
 * @param layer the layer that registered what was checked, e.g. {@code dense1}
 * @param node the node or parameter whose values or gradient were checked, e.g. {@code dense1/matmul}
 * @param step the number of backward passes the collection had seen when this was raised (0: before the first)
 * @param value the measured quantity: a gradient norm, a ratio of norms, or a largest magnitude
 * @param message one sentence for a person, naming the layer, the node and the numbers
 */
public record EarlyWarning(Kind kind, String layer, String node, long step, double value, String message) {
    /** The kinds of warnings. */
    public enum Kind {
        /** A layer's gradient norm is large, grew fast, or grew toward a recurrent layer's first step. */
        EXPLODING,
        /**
         * A layer's gradient norm is tiny next to the largest layer's, or, under emulation, its
         * parameter gradients underflowed to exactly 0 in the format.
         */
        VANISHING,
        /** Values or gradients within a few orders of magnitude of the format's overflow (float64's unless emulated). */
        HEADROOM
    }

    @Override
    public String toString() {
        return kind + " at step " + step + ": " + message;
    }
}
