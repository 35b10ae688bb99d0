package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The interval analysis of one traced graph: the leaves' boxes for a given shrink of the input
 * ranges and a given parameter radius, passes over them, and the searches built on passes (the
 * largest certified radius).
 */
final class Analysis {
    final TracedGraph g;
    final Precision p;
    final double radius;
    final boolean backward;
    private final Map<String, Interval> ranges;
    private final Interval[] points;

    Analysis(TracedGraph g, Map<String, Interval> ranges, double radius, Precision p) {
        this.g = g;
        this.ranges = ranges;
        this.radius = radius;
        this.p = p;
        Var root = g.root;
        this.backward = root.rows() == 1 && root.cols() == 1 && root.requiresGrad();
        points = new Interval[g.size()];
        for (int k = 0; k < g.size(); k++) {
            Var v = g.nodes[k];
            if (v.op() == null) points[k] = Interval.point(v.read());
        }
    }

    /** The leaves' boxes: declared inputs shrunk by {@code scale}, parameters within {@code r}, the rest points. */
    Interval[] leaves(double scale, double r) {
        Interval[] out = new Interval[g.size()];
        for (int k = 0; k < g.size(); k++) {
            Var v = g.nodes[k];
            if (v.op() != null) continue;
            Interval box = points[k];
            if (v.kind() == Var.Kind.INPUT && ranges.containsKey(v.name())) {
                Interval declared = ranges.get(v.name());
                box = scale == 1 ? declared : declared.scaled(scale);
            } else if (v.kind() == Var.Kind.PARAM && r > 0) {
                box = box.widened(r);
            }
            // inputs are rounded when made, parameters when ops read them: either way ops see rounded values
            out[k] = box.rounded(p);
        }
        return out;
    }

    IntervalPass pass(double scale, double r, IntervalPass.Patch patch) {
        return new IntervalPass(g, leaves(scale, r), p, backward, patch);
    }

    /** The result of the radius search: the largest radius certified, and the first finding just beyond it. */
    record RadiusSearch(double certified, boolean atLeast, Finding limit, IntervalPass limitPass) {
    }

    /**
     * The largest parameter radius (with the inputs' full ranges) at which the pass finds nothing:
     * doubling from 1e-9 to the first failure, then 40 bisection steps. NaN if even the current
     * weights (radius 0) can fail.
     */
    RadiusSearch largestRadius(double max) {
        IntervalPass at0 = pass(1, 0, null);
        if (!at0.findings.isEmpty()) return new RadiusSearch(Double.NaN, false, at0.findings.get(0), at0);
        IntervalPass atMax = pass(1, max, null);
        if (atMax.findings.isEmpty()) return new RadiusSearch(max, true, null, null);
        double ok = 0, bad = max;
        IntervalPass badPass = atMax;
        for (double r = 1e-9; r < max; r *= 4) {
            IntervalPass q = pass(1, r, null);
            if (!q.findings.isEmpty()) {
                bad = r;
                badPass = q;
                break;
            }
            ok = r;
        }
        for (int i = 0; i < 40 && bad - ok > 1e-6 * bad; i++) {
            double mid = ok + (bad - ok) / 2;
            IntervalPass q = pass(1, mid, null);
            if (q.findings.isEmpty()) ok = mid;
            else {
                bad = mid;
                badPass = q;
            }
        }
        return new RadiusSearch(ok, false, badPass.findings.get(0), badPass);
    }

    PotentialDefect defect(Finding f, IntervalPass pass, Confirmation c, List<Fix> fixes) {
        Var v = g.nodes[f.node()];
        return new PotentialDefect(v.name(), v.opName(), f.node(), f.phase(), f.operand(), f.causes(), f.ranges(),
                widenedMost(f.node(), pass), c, fixes);
    }

    /** The op node among {@code node} and its ancestors whose result is widest relative to its operands. */
    String widenedMost(int node, IntervalPass pass) {
        boolean[] seen = new boolean[g.size()];
        Deque<Integer> todo = new ArrayDeque<>();
        todo.push(node);
        int best = -1;
        double widest = 1;
        while (!todo.isEmpty()) {
            int k = todo.pop();
            if (seen[k]) continue;
            seen[k] = true;
            if (g.nodes[k].op() != null && pass.widening[k] > widest) {
                widest = pass.widening[k];
                best = k;
            }
            for (int q : g.parents[k]) todo.push(q);
        }
        if (best < 0) return "";
        String by = Double.isInfinite(widest) ? "from point operands" : String.format(java.util.Locale.ROOT, "%.3gx", widest);
        return "'" + g.nodes[best].name() + "' (" + g.nodes[best].opName() + ", widens " + by + ")";
    }
}
