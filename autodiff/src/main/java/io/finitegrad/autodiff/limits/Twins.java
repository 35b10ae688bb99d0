package io.finitegrad.autodiff.limits;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The textbook formulas of {@link NaiveOps} next to their stable twins on {@link Var}, each as a
 * graph of one scalar {@code x} with the direction in which the naive one breaks, for a
 * side-by-side table of {@link BreakingPoints}, in any format (most naive ones break where exp
 * overflows in it: 709.78 in float64, 88.72 in float32, 89 in bfloat16, 11.09 in float16):
 *
 * <pre>{@code
 * for (Twins.Twin t : Twins.all()) {
 *     System.out.println(t.name() + ": naive " + t.naiveLimit() + ", stable " + t.stableLimit());
 * }
 * }</pre>
 */
public final class Twins {
    private Twins() {
    }

    /**
     * One naive/stable pair: {@code naive} and {@code stable} compute the same function of {@code x}
     * (described by {@code formula}), searched from {@code from} to {@code to}.
     */
    public record Twin(String name, String formula, UnaryOperator<Var> naive, UnaryOperator<Var> stable, double from, double to) {
        /** Where the naive formula breaks in [from, to], in this thread's format. */
        public BreakingPoint naiveLimit() {
            return BreakingPoints.search(naive, from, to);
        }

        /** Where the stable twin breaks in [from, to], in this thread's format (none, for a correct twin). */
        public BreakingPoint stableLimit() {
            return BreakingPoints.search(stable, from, to);
        }

        /**
         * Where the naive formula breaks in [from, to] computed in {@code precision}.
         *
         * @throws IllegalArgumentException if {@code precision} is null
         */
        public BreakingPoint naiveLimit(Precision precision) {
            return BreakingPoints.search(naive, from, to, precision);
        }

        /**
         * Where the stable twin breaks in [from, to] computed in {@code precision}: none, for a
         * twin that is correct in that format (every interval's true results are representable in
         * every format: |x| <= 1000 and values within [-1000, 1000]).
         *
         * @throws IllegalArgumentException if {@code precision} is null
         */
        public BreakingPoint stableLimit(Precision precision) {
            return BreakingPoints.search(stable, from, to, precision);
        }
    }

    private static Var pair(Var x) {
        return Var.concatCols(x, Var.constant(0));
    }

    private static Var target(double a, double b) {
        return Var.constant(Tensor.row(a, b));
    }

    /** Every pair, in the order of a textbook chapter: activations, then softmax and its logs, then losses. */
    public static List<Twin> all() {
        return List.of(
                new Twin("sigmoid", "sigmoid(x), x -> -1000", NaiveOps::sigmoid, Var::sigmoid, 0, -1000),
                new Twin("softplus", "softplus(x), x -> 1000", NaiveOps::softplus, Var::softplus, 0, 1000),
                new Twin("softmax", "softmax([x, 0]), x -> 1000", x -> NaiveOps.softmax(pair(x)), x -> pair(x).softmax(), 0, 1000),
                new Twin("logSumExp", "log(sum(exp([x, 0]))), x -> 1000",
                        x -> NaiveOps.logSumExp(pair(x)), x -> pair(x).logSumExp(), 0, 1000),
                new Twin("logSoftmax", "log(softmax([x, 0])), x -> -1000",
                        x -> NaiveOps.logSoftmax(pair(x)), x -> pair(x).logSoftmax(), 0, -1000),
                new Twin("crossEntropy", "cross-entropy of softmax([x, 0]) against [1, 0], x -> -1000",
                        x -> NaiveOps.crossEntropy(NaiveOps.softmax(pair(x)), target(1, 0)),
                        x -> pair(x).logSoftmax().mul(target(1, 0)).sum().neg(), 0, -1000),
                new Twin("binaryCrossEntropy", "binary cross-entropy of sigmoid(x) against 1, x -> -1000",
                        x -> NaiveOps.binaryCrossEntropy(NaiveOps.sigmoid(x), Var.constant(1)),
                        x -> x.neg().softplus(), 0, -1000));
    }
}
