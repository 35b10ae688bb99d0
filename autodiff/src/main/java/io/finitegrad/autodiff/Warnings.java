package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.core.Precision;
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
 *
 * <p>Under {@code Precision.emulate} the headroom is measured to the format's overflow (4 orders
 * from 65504 is every value above 6.55 in float16), and a layer whose parameter gradients are all
 * exactly 0 after a backward pass in which the format rounded non-zero gradients to 0 is
 * {@link EarlyWarning.Kind#VANISHING}: "underflowed to 0 in float16", not a guard report (no NaN).
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

    /**
     * Called by the outermost backward sweep when it ends; {@code completed} false if it threw;
     * {@code flushed} is how many non-zero gradient values rounding to {@code format} made 0 in it.
     */
    static void afterBackward(boolean completed, long flushed, Precision format) {
        Collector c = CURRENT.get();
        if (c != null) c.afterBackward(completed, flushed, format);
    }

    /** An open collection of warnings; {@link #close()} stops it and throws nothing. */
    public static final class Collector implements AutoCloseable {
        private final WarningThresholds thresholds;
        /** {@link WarningThresholds#headroomLimit(Precision)} per format, by ordinal, computed once. */
        private final double[] limits;
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
            Precision[] formats = Precision.values();
            this.limits = new double[formats.length];
            for (Precision p : formats) limits[p.ordinal()] = thresholds.headroomLimit(p);
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
            Precision p = Precision.current();
            double max = Magnitudes.maxAbsIfAbove(node.value, limits[p.ordinal()]);
            if (max > 0) headroom(layer, node.name(), "values", max, p);
        }

        private void afterBackward(boolean completed, long flushed, Precision format) {
            if (!completed) {
                for (LayerWatch w : watches.values()) w.release();
                return;
            }
            steps++;
            double limit = limits[format.ordinal()];
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
                if (flushed > 0 && w.hasParamGradient() && w.norm() == 0) underflowed(w, flushed, format);
                check(w, largest, largestLayer, limit, format);
                w.release();
            }
        }

        /** Every parameter gradient of the layer is exactly 0, and the format flushed gradients in this pass. */
        private void underflowed(LayerWatch w, long flushed, Precision format) {
            raise(EarlyWarning.Kind.VANISHING, w.layer(), w.paramsName(), 0, "layer '" + w.layer() + "' has gradient"
                    + " exactly 0 in " + w.paramsName() + ": its gradients underflowed to 0 in " + format.label() + " ("
                    + flushed + " non-zero gradient value" + (flushed == 1 ? "" : "s") + " of this backward pass rounded"
                    + " to 0, below half of " + format.label() + "'s smallest subnormal "
                    + InFormat.number(format.minSubnormal()) + "); scale the loss (Trainer.Builder"
                    + ".dynamicLossScale(), PyTorch's GradScaler) or compute in a format with more exponent range"
                    + (format == Precision.FLOAT16 ? " (bfloat16, float32)" : " (float32)"));
        }

        private void check(LayerWatch w, double largest, LayerWatch largestLayer, double limit, Precision format) {
            String layer = w.layer();
            double norm = w.norm();
            // an emulated run says so: the same norms mean something else in float16
            String in = format.isNative() ? "" : " (computed in " + format.label() + ")";
            if (norm > thresholds.explodingNorm()) {
                raise(EarlyWarning.Kind.EXPLODING, layer, w.paramsName(), norm, "layer '" + layer + "' has gradient norm "
                        + Magnitudes.shortNumber(norm) + " (over " + Magnitudes.shortNumber(thresholds.explodingNorm())
                        + ") in " + w.paramsName() + ": exploding gradients; clip the global norm (clipNorm), lower the "
                        + "learning rate, or use orthogonal/Xavier initialisation" + in);
            } else {
                double typical = w.recentMedianNorm();
                if (typical > 0 && norm > thresholds.growthFactor() * typical) {
                    raise(EarlyWarning.Kind.EXPLODING, layer, w.paramsName(), norm / typical, "layer '" + layer
                            + "' has gradient norm " + Magnitudes.shortNumber(norm) + " in " + w.paramsName() + ": it grew "
                            + Magnitudes.shortNumber(norm / typical) + "x over the median of the last "
                            + thresholds.growthWindow() + " steps (" + Magnitudes.shortNumber(typical)
                            + "); exploding gradients; clip the global norm (clipNorm) or lower the learning rate" + in);
                }
            }
            if (largestLayer != null && largestLayer != w && w.hasParamGradient()
                    && norm < thresholds.vanishingRatio() * largest) {
                double ratio = norm / largest;
                raise(EarlyWarning.Kind.VANISHING, layer, w.paramsName(), ratio, "layer '" + layer + "' has gradient norm "
                        + Magnitudes.shortNumber(norm) + " in " + w.paramsName() + ", " + Magnitudes.shortNumber(ratio)
                        + " of the largest layer's (" + largestLayer.layer() + ", " + Magnitudes.shortNumber(largest)
                        + "): vanishing gradients; use ReLU or tanh with Xavier/He initialisation, normalisation, "
                        + "or a gated recurrent layer (LSTM, GRU)" + in);
            }
            if (w.stepRatio() > thresholds.recurrentRatio()) {
                raise(EarlyWarning.Kind.EXPLODING, layer, w.firstName(), w.stepRatio(), "layer '" + layer
                        + "': the gradient reaching " + w.firstName() + " is " + Magnitudes.shortNumber(w.stepRatio())
                        + "x larger at its first step than at its last (" + w.lastName() + "): exploding gradients "
                        + "through time; use orthogonal recurrent weights, clip the global norm (clipNorm), truncate "
                        + "backpropagation (truncateEvery) or use LSTM/GRU" + in);
            }
            if (w.nodeGradientMax() > limit) headroom(layer, w.nodeName(), "gradient", w.nodeGradientMax(), format);
            if (w.paramGradientMax() > limit) headroom(layer, w.paramsName(), "gradient", w.paramGradientMax(), format);
            w.remember(norm);
        }

        private void headroom(String layer, String node, String what, double max, Precision p) {
            raise(EarlyWarning.Kind.HEADROOM, layer, node, max, node + "'s " + what + " reached "
                    + Magnitudes.shortNumber(max) + ": " + Magnitudes.orders(Magnitudes.ordersFromOverflow(max, p))
                    + " orders from overflow (" + p.label() + " ends at " + InFormat.number(p.maxFinite()) + "), in layer '" + layer
                    + "'; standardise the inputs, lower the learning rate or the initial weights' scale");
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
