package io.finitegrad.autodiff;

import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * What one layer registered for {@link Warnings} in the current forward pass, and the history of
 * its gradient norms over the last few backward passes. Nodes are held only until the next
 * backward ends, so a collection keeps at most one pass's graph alive.
 */
final class LayerWatch {
    private final String layer;
    private final double[] recent;
    private int recentCount;
    private int recentNext;

    private Var node;
    private Var first;
    private List<Var> params = List.of();
    private String paramsName = "";
    private boolean pending;

    private double norm;
    private double stepRatio;
    private double nodeGradientMax;
    private double paramGradientMax;
    private boolean hasParamGradient;

    LayerWatch(String layer, int window) {
        this.layer = layer;
        this.recent = new double[window];
    }

    void register(Var node, List<Var> params, Var first) {
        this.node = node;
        this.first = first;
        if (this.params != params) {
            this.params = params;
            this.paramsName = describe(params);
        }
        this.pending = true;
    }

    private String describe(List<Var> ps) {
        if (ps.isEmpty()) return "its output";
        if (ps.size() == 1) return ps.get(0).name();
        return layer + "'s parameters";
    }

    boolean pending() {
        return pending;
    }

    /**
     * Reads the gradients that reached this layer in the backward pass that just ended: one
     * sum-of-squares pass per parameter gradient and over the node's gradient; magnitudes beyond
     * {@code limit} (the headroom limit) are looked up only when a norm cannot rule them out.
     */
    void measure(double limit) {
        hasParamGradient = false;
        paramGradientMax = 0;
        double joint = 0;
        for (Var p : params) {
            DMatrixRMaj g = p.readGrad();
            if (g == null) continue;
            hasParamGradient = true;
            double s = Magnitudes.sumSquares(g);
            double n = Magnitudes.norm(g, s);
            joint = Math.hypot(joint, n);
            if (!(n <= limit)) paramGradientMax = Math.max(paramGradientMax, Magnitudes.maxAbsIfAbove(g, limit));
        }
        norm = joint;
        DMatrixRMaj ng = node.readGrad();
        nodeGradientMax = ng == null ? 0 : Magnitudes.maxAbsIfAbove(ng, limit);
        stepRatio = 0;
        if (first != null && first != node && ng != null && first.readGrad() != null) {
            double last = Magnitudes.norm(ng);
            double at0 = Magnitudes.norm(first.readGrad());
            if (last > 0) stepRatio = at0 / last;
        }
    }

    /**
     * Divides what {@link #measure} found by {@code scale}, the loss scale the pass started from
     * (measure was given the headroom limit times the scale), so the checks judge the gradients
     * the optimiser will use. The step ratio is a ratio and needs nothing.
     */
    void unscale(double scale) {
        norm /= scale;
        nodeGradientMax /= scale;
        paramGradientMax /= scale;
    }

    /** Forgets the nodes of this pass (the layer's history stays). */
    void release() {
        node = null;
        first = null;
        pending = false;
    }

    /**
     * The median of the norms of the last window's passes, 0 until the window is full. The median,
     * not the smallest: one near-zero gradient (a batch the model already fits) must not make the
     * next ordinary one look like a 100x explosion.
     */
    double recentMedianNorm() {
        if (recentCount < recent.length) return 0;
        double[] sorted = recent.clone(); // once per layer per backward, window-sized
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    void remember(double n) {
        recent[recentNext] = n;
        recentNext = (recentNext + 1) % recent.length;
        if (recentCount < recent.length) recentCount++;
    }

    String layer() { return layer; }
    String paramsName() { return paramsName; }
    String nodeName() { return node.name(); }
    String firstName() { return first == null ? "" : first.name(); }
    String lastName() { return node.name(); }
    double norm() { return norm; }
    double stepRatio() { return stepRatio; }
    double nodeGradientMax() { return nodeGradientMax; }
    double paramGradientMax() { return paramGradientMax; }
    boolean hasParamGradient() { return hasParamGradient; }
}
