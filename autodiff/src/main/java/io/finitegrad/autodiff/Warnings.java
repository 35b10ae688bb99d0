package io.finitegrad.autodiff;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Early warnings, before any NaN/Inf: exploding and vanishing gradients and values near overflow,
 * checked at layer boundaries. Layers register what they want watched (their output or
 * pre-activation node and their parameters, recurrent layers also their first and last states)
 * with {@link #watch} and {@link #watchSteps} in forward; values are checked there, gradients after
 * each {@link Var#backward()}. Nothing is watched or kept unless a collection is open:
 *
 * <pre>{@code
 * try (Warnings.Collector w = Warnings.collect()) {       // the Trainer opens one per fit
 *     model.forward(x) ... loss.backward();
 *     w.list().forEach(System.out::println);             // EXPLODING at step 1: layer 'rnn1' ...
 * }
 * }</pre>
 *
 * <p>Warnings are not exceptions and not guard reports; they are kept in every guard mode, THROW
 * included, so the ones raised before the guard stops are there to read. Each kind of warning is
 * given once per layer and node in a collection. The checks cost one pass over each watched
 * node's values in forward and one over its gradient and its layer's parameter gradients per
 * backward, per layer, never per node; outside a collection, one thread-local read per layer call.
 * Collections are per thread and nest: closing one hands its warnings to the enclosing one.
 */
public final class Warnings {
    private static final ThreadLocal<Collector> CURRENT = new ThreadLocal<>();

    private Warnings() {
    }

    /** Opens a collection with the default thresholds. */
    public static Collector collect() {
        return collect(WarningThresholds.defaults());
    }

    /**
     * Opens a collection with the given thresholds; close it to stop watching.
     *
     * @throws IllegalArgumentException if {@code thresholds} is null
     */
    public static Collector collect(WarningThresholds thresholds) {
        if (thresholds == null) throw new IllegalArgumentException("Warnings.collect: thresholds are null");
        Collector c = new Collector(thresholds, CURRENT.get());
        CURRENT.set(c);
        return c;
    }

    /** Whether a collection is open on this thread (layers skip registering otherwise). */
    public static boolean active() {
        return CURRENT.get() != null;
    }

    /**
     * Registers, for the open collection if any, what {@code layer} wants watched in this forward
     * pass: {@code node}'s values are checked for headroom now, its gradient and the joint gradient
     * of {@code params} after the next backward. A layer applied twice in one pass is watched at its
     * last application.
     *
     * @throws IllegalArgumentException if layer, node or params is null
     */
    public static void watch(String layer, Var node, List<Var> params) {
        Collector c = CURRENT.get();
        if (c == null) return;
        if (layer == null || node == null || params == null) {
            throw new IllegalArgumentException("Warnings.watch: layer, node and params are required, got " + layer
                    + ", " + node + ", " + params);
        }
        c.watch(layer, node, params, null);
    }

    /**
     * As {@link #watch}, for a recurrent layer: {@code last} (its last state) is the watched node, and
     * after backward the gradient reaching {@code first} (its first state) is compared with the one
     * reaching {@code last}.
     *
     * @throws IllegalArgumentException if an argument is null
     */
    public static void watchSteps(String layer, Var first, Var last, List<Var> params) {
        Collector c = CURRENT.get();
        if (c == null) return;
        if (layer == null || first == null || last == null || params == null) {
            throw new IllegalArgumentException("Warnings.watchSteps: layer, first, last and params are required");
        }
        c.watch(layer, last, params, first);
    }

    /** Called by the outermost backward sweep when it ends; {@code completed} false if it threw. */
    static void afterBackward(boolean completed) {
        Collector c = CURRENT.get();
        if (c != null) c.afterBackward(completed);
    }

    /** An open collection of warnings; {@link #close()} stops it and throws nothing. */
    public static final class Collector implements AutoCloseable {
        private final WarningThresholds thresholds;
        /** {@link WarningThresholds#headroomLimit()}, computed once. */
        private final double limit;
        private final Collector enclosing;
        private final Map<String, LayerWatch> watches = new LinkedHashMap<>();
        private final List<EarlyWarning> warnings = new ArrayList<>();
        private final Set<String> given = new HashSet<>();
        private int drained;
        private long steps;
        private boolean closed;
        private double gradientScale = 1;

        private Collector(WarningThresholds thresholds, Collector enclosing) {
            this.thresholds = thresholds;
            this.limit = thresholds.headroomLimit();
            this.enclosing = enclosing;
        }

        /** The thresholds in force. */
        public WarningThresholds thresholds() {
            return thresholds;
        }

        /** Every warning so far, in the order raised. */
        public List<EarlyWarning> list() {
            return List.copyOf(warnings);
        }

        /** The warnings raised since the last drain (all, the first time). */
        public List<EarlyWarning> drain() {
            if (drained == warnings.size()) return List.of();
            List<EarlyWarning> fresh = List.copyOf(warnings.subList(drained, warnings.size()));
            drained = warnings.size();
            return fresh;
        }

        /**
         * Tells the collection that the following backward passes start from {@code scale} (a loss
         * scale, as the Trainer's): gradient norms and magnitudes are divided by it before the
         * thresholds, so a scaled gradient is not taken for an exploding one.
         *
         * @throws IllegalArgumentException unless {@code scale} is > 0 and finite
         */
        public void gradientScale(double scale) {
            if (!(scale > 0) || Double.isInfinite(scale)) {
                throw new IllegalArgumentException("Warnings.gradientScale: the scale must be > 0 and finite, got " + scale);
            }
            gradientScale = scale;
        }

        /** How many backward passes this collection has seen. */
        public long steps() {
            return steps;
        }

        private void watch(String layer, Var node, List<Var> params, Var first) {
            LayerWatch w = watches.get(layer);
            if (w == null) {
                w = new LayerWatch(layer, thresholds.growthWindow());
                watches.put(layer, w);
            }
            w.register(node, params, first);
            double max = Magnitudes.maxAbsIfAbove(node.value, limit);
            if (max > 0) headroom(layer, node.name(), "values", max);
        }

        private void afterBackward(boolean completed) {
            if (!completed) {
                for (LayerWatch w : watches.values()) w.release();
                return;
            }
            steps++;
            double largest = 0;
            LayerWatch largestLayer = null;
            for (LayerWatch w : watches.values()) {
                if (!w.pending()) continue;
                w.measure(limit * gradientScale);
                if (gradientScale != 1) w.unscale(gradientScale);
                if (w.norm() > largest) {
                    largest = w.norm();
                    largestLayer = w;
                }
            }
            for (LayerWatch w : watches.values()) {
                if (!w.pending()) continue;
                check(w, largest, largestLayer);
                w.release();
            }
        }

        private void check(LayerWatch w, double largest, LayerWatch largestLayer) {
            String layer = w.layer();
            double norm = w.norm();
            if (norm > thresholds.explodingNorm()) {
                raise(EarlyWarning.Kind.EXPLODING, layer, w.paramsName(), norm, "layer '" + layer + "' has gradient norm "
                        + Magnitudes.shortNumber(norm) + " (over " + Magnitudes.shortNumber(thresholds.explodingNorm())
                        + ") in " + w.paramsName() + ": exploding gradients; clip the global norm (clipNorm), lower the "
                        + "learning rate, or use orthogonal/Xavier initialisation");
            } else {
                double typical = w.recentMedianNorm();
                if (typical > 0 && norm > thresholds.growthFactor() * typical) {
                    raise(EarlyWarning.Kind.EXPLODING, layer, w.paramsName(), norm / typical, "layer '" + layer
                            + "' has gradient norm " + Magnitudes.shortNumber(norm) + " in " + w.paramsName() + ": it grew "
                            + Magnitudes.shortNumber(norm / typical) + "x over the median of the last "
                            + thresholds.growthWindow() + " steps (" + Magnitudes.shortNumber(typical)
                            + "); exploding gradients; clip the global norm (clipNorm) or lower the learning rate");
                }
            }
            if (largestLayer != null && largestLayer != w && w.hasParamGradient()
                    && norm < thresholds.vanishingRatio() * largest) {
                double ratio = norm / largest;
                raise(EarlyWarning.Kind.VANISHING, layer, w.paramsName(), ratio, "layer '" + layer + "' has gradient norm "
                        + Magnitudes.shortNumber(norm) + " in " + w.paramsName() + ", " + Magnitudes.shortNumber(ratio)
                        + " of the largest layer's (" + largestLayer.layer() + ", " + Magnitudes.shortNumber(largest)
                        + "): vanishing gradients; use ReLU or tanh with Xavier/He initialisation, normalisation, "
                        + "or a gated recurrent layer (LSTM, GRU)");
            }
            if (w.stepRatio() > thresholds.recurrentRatio()) {
                raise(EarlyWarning.Kind.EXPLODING, layer, w.firstName(), w.stepRatio(), "layer '" + layer
                        + "': the gradient reaching " + w.firstName() + " is " + Magnitudes.shortNumber(w.stepRatio())
                        + "x larger at its first step than at its last (" + w.lastName() + "): exploding gradients "
                        + "through time; use orthogonal recurrent weights, clip the global norm (clipNorm), truncate "
                        + "backpropagation (truncateEvery) or use LSTM/GRU");
            }
            if (w.nodeGradientMax() > limit) headroom(layer, w.nodeName(), "gradient", w.nodeGradientMax());
            if (w.paramGradientMax() > limit) headroom(layer, w.paramsName(), "gradient", w.paramGradientMax());
            w.remember(norm);
        }

        private void headroom(String layer, String node, String what, double max) {
            raise(EarlyWarning.Kind.HEADROOM, layer, node, max, node + "'s " + what + " reached "
                    + Magnitudes.shortNumber(max) + ": " + Magnitudes.orders(Magnitudes.ordersFromOverflow(max))
                    + " orders from overflow (float64 ends at 1.8e308), in layer '" + layer + "'; standardise the inputs, "
                    + "lower the learning rate or the initial weights' scale");
        }

        private void raise(EarlyWarning.Kind kind, String layer, String node, double value, String message) {
            if (given.add(kind + "\u0000" + layer + "\u0000" + node)) {
                warnings.add(new EarlyWarning(kind, layer, node, steps, value, message));
            }
        }

        private void take(List<EarlyWarning> inner) {
            for (EarlyWarning w : inner) {
                if (given.add(w.kind() + "\u0000" + w.layer() + "\u0000" + w.node())) warnings.add(w);
            }
        }

        /** Stops this collection, hands its warnings to the enclosing one, and lets go of watched nodes. */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            watches.clear();
            if (CURRENT.get() == this) {
                if (enclosing == null) CURRENT.remove();
                else CURRENT.set(enclosing);
            }
            if (enclosing != null) enclosing.take(warnings);
        }
    }
}
