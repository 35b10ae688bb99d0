package io.finitegrad.layers;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;

/**
 * The arithmetic BatchNorm and LayerNorm share, in sub-scopes ({@code mean}, {@code variance},
 * {@code normalize}) so that each node has a distinct name: a 0/0 from a zero variance with
 * epsilon 0 is reported at {@code layernorm1/normalize/div}, not at an ambiguous {@code div}.
 */
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

    static void checkEpsilon(String layer, double epsilon) {
        if (!(epsilon >= 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException(layer + ": epsilon must be finite and >= 0, got " + epsilon);
        }
    }
}
