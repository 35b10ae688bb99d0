package io.finitegrad.layers;

import io.finitegrad.autodiff.Hint;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;

/**
 * The arithmetic BatchNorm and LayerNorm share, in sub-scopes ({@code mean}, {@code variance},
 * {@code normalize}) so that each node has a distinct name: a 0/0 from a zero variance with
 * epsilon 0 is reported at {@code layernorm1/normalize/div}, not at an ambiguous {@code div}.
 */
@SuppressWarnings("try") // name scopes are opened for their effect on node names, never read
final class Normalization {
    private Normalization() {
    }

    /** {@code x - mean}, the mean broadcast as a row (BatchNorm) or a column (LayerNorm). */
    static Var center(Var x, Var mean) {
        try (var s = Names.scope("center")) {
            return x.sub(mean);
        }
    }

    /** Each feature's mean over the batch (1 x features) if {@code byColumn}, else each row's mean (rows x 1). */
    static Var mean(Var x, boolean byColumn) {
        try (var s = Names.scope("mean")) {
            return byColumn ? x.meanCols() : x.meanRows();
        }
    }

    /** The biased (divide by n) variance of already centred values. */
    static Var variance(Var centered, boolean byColumn) {
        try (var s = Names.scope("variance")) {
            Var sq = centered.square();
            return byColumn ? sq.meanCols() : sq.meanRows();
        }
    }

    /** {@code centered / sqrt(variance + epsilon)}. */
    static Var normalize(Var centered, Var variance, double epsilon) {
        try (var s = Names.scope("normalize")) {
            Var v = epsilon == 0 ? variance : variance.add(epsilon);
            return centered.div(v.sqrt());
        }
    }

    /**
     * With epsilon 0 a zero variance divides 0 by 0 (forward) or meets sqrt's infinite derivative
     * (backward): the fix is in the user's constructor call, so the layer's scope says so. Null for
     * a positive epsilon, where those causes cannot come from the layer's own arithmetic.
     */
    static Hint epsilonHint(String type, String name, double epsilon) {
        if (epsilon > 0) return null;
        return Hint.of("construct " + type + " '" + name + "' with epsilon > 0, e.g. 1e-5 (it has epsilon = " + epsilon
                + "): a feature with zero variance normalises to 0 / sqrt(0)", Cause.ZERO_DIV_ZERO, Cause.DIV_BY_ZERO,
                Cause.ZERO_TIMES_INF);
    }

    /** The layer's name scope, with its hint if it has one. */
    static Names.Scope scope(String name, Hint hint) {
        return hint == null ? Names.scope(name) : Names.scope(name, hint);
    }

    static void checkEpsilon(String layer, double epsilon) {
        if (!(epsilon >= 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException(layer + ": epsilon must be finite and >= 0, got " + epsilon);
        }
    }
}
