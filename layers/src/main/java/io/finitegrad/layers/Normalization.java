package io.finitegrad.layers;

import io.finitegrad.autodiff.Hint;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import org.ejml.data.DMatrixRMaj;

/**
 * The arithmetic BatchNorm and LayerNorm share, in sub-scopes ({@code mean}, {@code variance},
 * {@code normalize}) so that each node has a distinct name: a 0/0 from a zero variance with
 * epsilon 0 is reported at {@code layernorm1/normalize/div}, not at an ambiguous {@code div}.
 *
 * <p>Normalising is scale-invariant but for epsilon, so a group (row or column) whose values are
 * beyond 2^500 is first divided by a power of two that brings them to at most 2, with epsilon
 * divided by its square: otherwise the centred values' squares overflow (above 1.3e154) and the
 * output is NaN or 0 where the true one is finite. Ordinary data is not touched, bit for bit.
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

    /** Magnitudes up to this are normalised as they are: their centred squares stay far from overflow. */
    private static final double SAFE = 0x1p500;

    /**
     * Per group (each column if {@code byColumn}, else each row), the power of two that brings the
     * group's largest magnitude, in {@code x} and in {@code shift} (the running mean, or null), to at
     * most 2; 1 where it is at most 2^500. Null when every scale is 1, the usual case.
     */
    static Tensor scales(DMatrixRMaj x, boolean byColumn, DMatrixRMaj shift) {
        int groups = byColumn ? x.numCols : x.numRows;
        double[] s = null;
        for (int g = 0; g < groups; g++) {
            double max = 0;
            if (byColumn) {
                for (int r = 0; r < x.numRows; r++) max = Math.max(max, Math.abs(x.data[r * x.numCols + g]));
                if (shift != null) max = Math.max(max, Math.abs(shift.data[g]));
            } else {
                for (int c = 0, o = g * x.numCols; c < x.numCols; c++) max = Math.max(max, Math.abs(x.data[o + c]));
            }
            if (!(max > SAFE) || Double.isInfinite(max)) continue; // NaN/Inf is the guard's to report, unscaled
            if (s == null) {
                s = new double[groups];
                java.util.Arrays.fill(s, 1.0);
            }
            s[g] = Math.scalb(1.0, Math.getExponent(max)); // x / s in [1, 2): at most 2^1023, never Infinity
        }
        if (s == null) return null;
        return byColumn ? Tensor.row(s) : Tensor.column(s);
    }

    /** {@code v / scales}, the scales broadcast over their groups; {@code v} itself when there are none. */
    static Var scaled(Var v, Tensor scales) {
        if (scales == null) return v;
        try (var s = Names.scope("scale")) {
            return v.div(Var.constant(scales));
        }
    }

    /** The biased (divide by n) variance of already centred values. */
    static Var variance(Var centered, boolean byColumn) {
        try (var s = Names.scope("variance")) {
            Var sq = centered.square();
            return byColumn ? sq.meanCols() : sq.meanRows();
        }
    }

    /**
     * {@code centered / sqrt(variance + epsilon)}, for values divided by {@code scales} (or null):
     * epsilon is then divided by each scale's square, and kept above 0 so that a constant group
     * still normalises to 0 rather than 0/0.
     */
    static Var normalize(Var centered, Var variance, double epsilon, Tensor scales) {
        try (var s = Names.scope("normalize")) {
            Var v = variance;
            if (epsilon != 0 && scales == null) v = variance.add(epsilon);
            if (epsilon != 0 && scales != null) {
                v = variance.add(Var.constant(scales.map(k -> Math.max(epsilon / (k * k), Double.MIN_VALUE))));
            }
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

    /**
     * The hint for this forward pass: {@code constructed} (the epsilon-0 hint, or null), or, when
     * the emulated format rounds a positive epsilon to 0 (1e-8 in float16), the same advice naming
     * the format, since the layer then divides 0 by 0 exactly as with epsilon 0.
     */
    static Hint epsilonHint(Hint constructed, String type, String name, double epsilon) {
        if (constructed != null || epsilon == 0) return constructed;
        Precision p = Precision.current();
        if (p.round(epsilon) != 0) return null;
        return Hint.of("construct " + type + " '" + name + "' with an epsilon " + p.label() + " holds, e.g. 1e-5 (its epsilon "
                + epsilon + " rounds to 0 in " + p.label() + ", whose smallest positive value is " + p.minSubnormal()
                + "): a feature with zero variance normalises to 0 / sqrt(0)", Cause.ZERO_DIV_ZERO, Cause.DIV_BY_ZERO,
                Cause.ZERO_TIMES_INF, Cause.UNDERFLOW_TO_ZERO);
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
