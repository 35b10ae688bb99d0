package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The search for a concrete input on which the real guard (WARN mode, in the analysed format)
 * reports a potential defect's node with one of its causes. Inputs carry no gradients (and a
 * backward defect would need double backward), so the search is derivative-free: the traced
 * representative input, the ranges' corners, random points (ends favoured), then a pattern search
 * from the best point so far that moves random groups of coordinates towards an end and keeps a move
 * that brings the node's operands closer to the failure its causes name (a divisor or log argument
 * towards 0, an argument below 0, a magnitude towards overflow). When parameters have a radius,
 * they are moved within it too, and restored after every run.
 */
final class Confirmer {
    private static final Set<Cause> ZERO = EnumSet.of(Cause.LOG_OF_ZERO, Cause.DIV_BY_ZERO, Cause.ZERO_DIV_ZERO,
            Cause.ZERO_TIMES_INF, Cause.UNDERFLOW_TO_ZERO, Cause.FULLY_MASKED_ROW);
    private static final Set<Cause> NEGATIVE = EnumSet.of(Cause.LOG_OF_NEGATIVE, Cause.SQRT_OF_NEGATIVE, Cause.DOMAIN_ERROR);

    private final FinitenessCheck check;
    private final TracedGraph g;
    private final Analysis a;
    private final long seed;
    private final List<String> names = new ArrayList<>();
    private final List<Interval> boxes = new ArrayList<>();
    private final List<Var> params = new ArrayList<>();

    Confirmer(FinitenessCheck check, TracedGraph g, Analysis a, long seed) {
        this.check = check;
        this.g = g;
        this.a = a;
        this.seed = seed;
        for (Map.Entry<String, Interval> e : check.ranges().entrySet()) {
            names.add(e.getKey());
            boxes.add(e.getValue().rounded(a.p));
        }
        if (a.radius > 0) for (Var v : g.nodes) if (v.kind() == Var.Kind.PARAM) params.add(v);
    }

    /** A candidate: one flat array per input, one delta array per parameter. */
    private record Point(double[][] in, double[][] dp) {
        Point copy() {
            double[][] i = new double[in.length][], d = new double[dp.length][];
            for (int k = 0; k < in.length; k++) i[k] = in[k].clone();
            for (int k = 0; k < dp.length; k++) d[k] = dp[k].clone();
            return new Point(i, d);
        }
    }

    private record Outcome(double score, NanReport report) {
    }

    Confirmation search(Finding f, int tries) {
        Random rnd = new Random(seed * 31 + f.node() * 7L + f.phase().ordinal());
        IntervalPass pass = a.pass(1, a.radius, null);
        Point best = null;
        double bestScore = Double.POSITIVE_INFINITY;
        double step = 0.5;
        for (int t = 0; t < tries; t++) {
            Point cand;
            if (t == 0) cand = representative();
            else if (t == 1) cand = corner(false);
            else if (t == 2) cand = corner(true);
            else if (best == null || t < 3 + tries / 4) cand = random(rnd);
            else cand = move(best, step, rnd);
            Outcome o = evaluate(cand, f, pass);
            if (o.report != null) return confirmed(t + 1, cand, o.report);
            if (o.score < bestScore) {
                bestScore = o.score;
                best = cand;
            } else if (t >= 3 + tries / 4) {
                step = Math.max(step * 0.8, 1e-6);
            }
        }
        return Confirmation.none(tries);
    }

    private Point representative() {
        double[][] in = new double[boxes.size()][], dp = new double[params.size()][];
        Map<String, Tensor> at = check.representative();
        for (int k = 0; k < boxes.size(); k++) in[k] = at.get(names.get(k)).toFlatArray();
        for (int k = 0; k < params.size(); k++) dp[k] = new double[params.get(k).read().getNumElements()];
        return new Point(in, dp);
    }

    private Point corner(boolean high) {
        Point c = representative();
        for (int k = 0; k < boxes.size(); k++) {
            Interval b = boxes.get(k);
            for (int e = 0; e < b.size(); e++) c.in[k][e] = high ? b.hi(e) : b.lo(e);
        }
        for (double[] d : c.dp) java.util.Arrays.fill(d, high ? a.radius : -a.radius);
        return c;
    }

    private Point random(Random rnd) {
        Point c = representative();
        for (int k = 0; k < boxes.size(); k++) {
            Interval b = boxes.get(k);
            for (int e = 0; e < b.size(); e++) c.in[k][e] = pick(b.lo(e), b.hi(e), rnd);
        }
        for (double[] d : c.dp) for (int e = 0; e < d.length; e++) d[e] = pick(-a.radius, a.radius, rnd);
        return c;
    }

    // ends are where intervals reach their extremes: favour them
    private static double pick(double lo, double hi, Random rnd) {
        double u = rnd.nextDouble();
        if (u < 0.25) return lo;
        if (u < 0.5) return hi;
        return lo + (hi - lo) * rnd.nextDouble();
    }

    private Point move(Point from, double step, Random rnd) {
        Point c = from.copy();
        int groups = c.in.length + c.dp.length;
        int which = rnd.nextInt(groups);
        double[] arr = which < c.in.length ? c.in[which] : c.dp[which - c.in.length];
        double fraction = rnd.nextDouble() < 0.5 ? 1.0 / arr.length : rnd.nextDouble() * 0.25;
        for (int e = 0; e < arr.length; e++) {
            if (rnd.nextDouble() > fraction && arr.length > 1) continue;
            double lo, hi;
            if (which < c.in.length) {
                lo = boxes.get(which).lo(e);
                hi = boxes.get(which).hi(e);
            } else {
                lo = -a.radius;
                hi = a.radius;
            }
            double target = rnd.nextBoolean() ? lo : hi;
            arr[e] = Math.min(hi, Math.max(lo, arr[e] + (target - arr[e]) * step));
        }
        return c;
    }

    private Outcome evaluate(Point c, Finding f, IntervalPass pass) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (int k = 0; k < boxes.size(); k++) {
            Interval b = boxes.get(k);
            in.put(names.get(k), Tensor.of(b.rows(), b.cols(), c.in[k]));
        }
        double[][] saved = new double[params.size()][];
        try {
            for (int k = 0; k < params.size(); k++) {
                double[] w = params.get(k).write().data;
                saved[k] = w.clone();
                for (int e = 0; e < w.length; e++) w[e] += c.dp[k][e];
            }
            FinitenessCheck.Run run = check.runOn(a.p, in, f.phase() == Phase.BACKWARD);
            if (!run.graph().sameShapeAs(g)) return new Outcome(Double.POSITIVE_INFINITY, null);
            Var node = run.graph().nodes[f.node()];
            for (NanReport r : run.reports()) {
                if (r.entryId() == node.id() && r.phase() == f.phase() && f.causes().contains(r.cause())) {
                    return new Outcome(Double.NEGATIVE_INFINITY, r);
                }
            }
            return new Outcome(score(node, f, pass), null);
        } finally {
            for (int k = 0; k < params.size(); k++) {
                if (saved[k] != null) System.arraycopy(saved[k], 0, params.get(k).write().data, 0, saved[k].length);
            }
        }
    }

    /** Lower is closer to the failure the causes name, read from the node's concrete operands. */
    private double score(Var node, Finding f, IntervalPass pass) {
        Cause first = f.causes().iterator().next();
        List<Var> ps = node.parents();
        if (f.causes().stream().anyMatch(ZERO::contains)) {
            double m = Double.POSITIVE_INFINITY;
            for (int i = 0; i < ps.size(); i++) {
                Interval box = pass.value[g.parents[f.node()][i]];
                if (!containsZero(box) && ps.size() > 1) continue;
                for (double v : ps.get(i).read().data) m = Math.min(m, Math.abs(v));
            }
            return m;
        }
        if (NEGATIVE.contains(first)) {
            double m = Double.POSITIVE_INFINITY;
            for (Var q : ps) for (double v : q.read().data) m = Math.min(m, v);
            return m;
        }
        double big = 0;
        for (Var q : ps) for (double v : q.read().data) if (Double.isFinite(v)) big = Math.max(big, Math.abs(v));
        for (double v : node.read().data) if (Double.isFinite(v)) big = Math.max(big, Math.abs(v));
        return -big;
    }

    private static boolean containsZero(Interval b) {
        for (int e = 0; e < b.size(); e++) if (b.mayBeZero(e)) return true;
        return false;
    }

    private Confirmation confirmed(int tries, Point c, NanReport report) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (int k = 0; k < boxes.size(); k++) {
            Interval b = boxes.get(k);
            in.put(names.get(k), Tensor.of(b.rows(), b.cols(), c.in[k]));
        }
        Map<String, Tensor> moved = new LinkedHashMap<>();
        for (int k = 0; k < params.size(); k++) {
            boolean any = false;
            for (double d : c.dp[k]) any |= d != 0;
            if (!any) continue;
            double[] w = params.get(k).read().data.clone();
            for (int e = 0; e < w.length; e++) w[e] += c.dp[k][e];
            Var v = params.get(k);
            moved.put(v.name(), Tensor.of(v.rows(), v.cols(), w));
        }
        return new Confirmation(tries, in, moved, report);
    }
}
