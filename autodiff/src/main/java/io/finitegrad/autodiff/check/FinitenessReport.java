package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.Tracer;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a {@link FinitenessCheck} found, as an immutable snapshot: the potential defects (each
 * confirmed or not, with fixes), the certificate when none remains and nothing stopped one, the
 * largest certified parameter radius, what made the analysis give up or distrust the trace, and the
 * intervals per node. {@link #toString()} is for people, {@link #toJson()}, {@link #boundsJson()}
 * and {@link #toDot()} for tools.
 */
public final class FinitenessReport {
    private final Precision format;
    private final List<PotentialDefect> defects;
    private final Certificate certificate;
    private final double certifiedRadius;
    private final boolean radiusAtLeast;
    private final String radiusLimit;
    private final List<Tracer.HostRead> hostReads;
    private final List<String> frozenInputs;
    private final List<String> unknownOps;
    private final List<NodeBounds> bounds;
    private final boolean backward;
    private final List<long[]> edges;

    private FinitenessReport(Precision format, List<PotentialDefect> defects, Certificate certificate,
            double certifiedRadius, boolean radiusAtLeast, String radiusLimit, List<Tracer.HostRead> hostReads,
            List<String> frozenInputs, List<String> unknownOps, List<NodeBounds> bounds, boolean backward,
            List<long[]> edges) {
        this.format = format;
        this.defects = List.copyOf(defects);
        this.certificate = certificate;
        this.certifiedRadius = certifiedRadius;
        this.radiusAtLeast = radiusAtLeast;
        this.radiusLimit = radiusLimit;
        this.hostReads = List.copyOf(hostReads);
        this.frozenInputs = List.copyOf(frozenInputs);
        this.unknownOps = List.copyOf(unknownOps);
        this.bounds = List.copyOf(bounds);
        this.backward = backward;
        this.edges = List.copyOf(edges);
    }

    static FinitenessReport of(Precision p, TracedGraph g, Analysis a, IntervalPass pass, List<PotentialDefect> defects,
            List<Tracer.HostRead> reads, List<String> frozen, double radius, Analysis.RadiusSearch rs) {
        List<String> unknown = new ArrayList<>();
        for (int k : pass.unknown) unknown.add("'" + g.nodes[k].name() + "' (" + g.nodes[k].opName() + ")");
        List<NodeBounds> bounds = new ArrayList<>();
        List<long[]> edges = new ArrayList<>();
        for (int k = 0; k < g.size(); k++) {
            Var v = g.nodes[k];
            bounds.add(new NodeBounds(k, v.name(), v.opName(), v.kind(), pass.value[k], pass.grad[k],
                    headroom(p, pass.value[k], pass.grad[k])));
            for (int q : g.parents[k]) edges.add(new long[] {q, k});
        }
        Certificate cert = null;
        if (defects.isEmpty() && reads.isEmpty() && unknown.isEmpty()) {
            cert = new Certificate(p, a == null ? Map.of() : ranges(g, a), radius, a != null && a.backward);
        }
        double certified = Double.NaN;
        boolean atLeast = false;
        String limit = "";
        if (rs != null) {
            certified = rs.certified();
            atLeast = rs.atLeast();
            if (rs.limit() != null) {
                Finding f = rs.limit();
                limit = "'" + g.nodes[f.node()].name() + "' (" + g.nodes[f.node()].opName() + ", "
                        + f.phase().name().toLowerCase(Locale.ROOT) + ") " + f.causes();
            }
        }
        return new FinitenessReport(p, defects, cert, certified, atLeast, limit, reads, frozen, unknown, bounds,
                a != null && a.backward, edges);
    }

    private static Map<String, Interval> ranges(TracedGraph g, Analysis a) {
        Map<String, Interval> out = new LinkedHashMap<>();
        Interval[] leaves = a.leaves(1, 0);
        for (int k = 0; k < g.size(); k++) {
            if (g.nodes[k].kind() == Var.Kind.INPUT) out.put(g.nodes[k].name(), leaves[k]);
        }
        return out;
    }

    private static double headroom(Precision p, Interval value, Interval grad) {
        double m = value.maxAbs();
        if (grad != null) m = Math.max(m, grad.maxAbs());
        return m == 0 ? Double.POSITIVE_INFINITY : Math.log10(p.maxFinite()) - Math.log10(m);
    }

    /** The format analysed. */
    public Precision format() {
        return format;
    }

    /** Every potential defect, in graph order (forward before backward). */
    public List<PotentialDefect> defects() {
        return defects;
    }

    /** The defects a concrete input confirmed. */
    public List<PotentialDefect> confirmed() {
        return defects.stream().filter(PotentialDefect::confirmed).toList();
    }

    /** Whether a confirmed defect remains: what {@code nanlab check} exits 1 for. */
    public boolean hasConfirmedDefect() {
        return defects.stream().anyMatch(PotentialDefect::confirmed);
    }

    /** True when the check certified the model. */
    public boolean certified() {
        return certificate != null;
    }

    /** The certificate, or null when a defect, a host read or an op without a transfer prevents it. */
    public Certificate certificate() {
        return certificate;
    }

    /**
     * The largest parameter radius at which the analysis finds nothing (inputs over their full
     * ranges): how far training may move every weight before any node can fail. NaN when the
     * current weights can already fail, or when the search was not run.
     */
    public double certifiedRadius() {
        return certifiedRadius;
    }

    /** Whether the radius search stopped at its maximum with nothing found (the radius is "at least"). */
    public boolean radiusAtLeast() {
        return radiusAtLeast;
    }

    /** The first node that can fail just beyond the certified radius, with its causes, or "". */
    public String radiusLimit() {
        return radiusLimit;
    }

    /** Host-side reads of graph values while traced: each makes the trace not certifiable. */
    public List<Tracer.HostRead> hostReads() {
        return hostReads;
    }

    /** Inputs the builder made itself rather than taking from {@link Inputs}: held at their traced values. */
    public List<String> frozenInputs() {
        return frozenInputs;
    }

    /** Ops without a range transfer, where the analysis gave up. */
    public List<String> unknownOps() {
        return unknownOps;
    }

    /** The intervals per node, in topological order. */
    public List<NodeBounds> bounds() {
        return bounds;
    }

    /** Whether gradients were analysed too (a 1x1 root that depends on a parameter). */
    public boolean backward() {
        return backward;
    }

    @Override
    public String toString() {
        return CheckText.text(this);
    }

    /** The report as a JSON object. */
    public String toJson() {
        return CheckJson.report(this);
    }

    /** The intervals per node as JSON: what {@code --out} writes as {@code bounds.json}. */
    public String boundsJson() {
        return CheckJson.bounds(this);
    }

    /** A Graphviz graph coloured by headroom: red where a defect is, orange below 2 decades, yellow below 10. */
    public String toDot() {
        return CheckText.dot(this, edges);
    }
}
