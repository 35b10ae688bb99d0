package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.IntervalMath;
import io.finitegrad.core.Precision;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One evaluation of a traced graph on intervals, forward and (for a 1x1 root that depends on a
 * parameter) backward, mirroring what the engine does with real values: each op's transfer in
 * double, its result rounded to the format unless the op is exact, gradients to op nodes summed in
 * the format and to leaves in float64. A node whose operands are finite but whose result admits a
 * non-finite value is a finding; past it the pass goes on with the result's finite part, so every
 * finding is an entry point of its own.
 */
final class IntervalPass {
    private static final Set<Cause> ZERO_CAUSES = EnumSet.of(Cause.LOG_OF_ZERO, Cause.DIV_BY_ZERO, Cause.ZERO_DIV_ZERO,
            Cause.ZERO_TIMES_INF);

    /** An epsilon added to one operand of one node, to test a suggested fix. */
    record Patch(int node, int operand, double eps) {
    }

    final Interval[] value;
    final Interval[] grad;
    final List<Finding> findings = new ArrayList<>();
    /** Nodes whose op has no range transfer: the analysis knows nothing past them. */
    final List<Integer> unknown = new ArrayList<>();
    /** Per op node, how much wider its result is than its widest operand (1 = no wider). */
    final double[] widening;

    private final TracedGraph g;
    private final Precision p;

    IntervalPass(TracedGraph g, Interval[] leaves, Precision p, boolean backward, Patch patch) {
        this.g = g;
        this.p = p;
        int n = g.size();
        value = new Interval[n];
        grad = new Interval[n];
        widening = new double[n];
        for (int k = 0; k < n; k++) forward(k, leaves, patch);
        if (backward) backward(patch);
    }

    private void forward(int k, Interval[] leaves, Patch patch) {
        Var v = g.nodes[k];
        Op op = v.op();
        if (op == null) {
            Interval box = leaves[k];
            if (!box.isFinite()) {
                findings.add(new Finding(k, Phase.FORWARD, -1, EnumSet.of(Cause.NON_FINITE_INPUT), List.of(box.toString())));
                box = box.finitePart();
            }
            value[k] = box;
            return;
        }
        Interval[] x = operands(k, patch);
        Range r = op.forwardRange(x, p);
        Interval y;
        if (!r.known()) {
            unknown.add(k);
            y = Interval.unknown(v.rows(), v.cols());
        } else {
            y = sane(checked(r.value(), v, "forwardRange"));
        }
        Interval rounded = op.exact() ? y : y.rounded(p);
        widening[k] = widening(rounded, x);
        if (finite(x) && !rounded.isFinite()) {
            findings.add(new Finding(k, Phase.FORWARD, -1, causes(r, y, rounded), describe(x, null)));
        }
        value[k] = finitePart(rounded, true);
    }

    private void backward(Patch patch) {
        int root = g.size() - 1;
        grad[root] = Interval.scalar(1, 1);
        for (int k = root; k >= 0; k--) {
            Var v = g.nodes[k];
            if (v.op() == null || grad[k] == null) continue;
            Interval[] x = operands(k, patch);
            boolean round = !v.op().exact();
            for (int i = 0; i < x.length; i++) {
                int pk = g.parents[k][i];
                Var parent = g.nodes[pk];
                if (!parent.requiresGrad()) continue;
                Range r = v.op().vjpRange(i, x, value[k], grad[k], p);
                Interval gi;
                if (!r.known()) {
                    if (!unknown.contains(k)) unknown.add(k);
                    gi = Interval.unknown(parent.rows(), parent.cols());
                } else {
                    gi = sane(checked(r.value(), parent, "vjpRange(" + i + ") of " + v.opName()));
                }
                Interval rounded = round ? gi.rounded(p) : gi;
                if (finite(x) && value[k].isFinite() && grad[k].isFinite() && !rounded.isFinite()) {
                    findings.add(new Finding(k, Phase.BACKWARD, i, causes(r, gi, rounded), describe(x, grad[k])));
                }
                // an exact op's gradient of format values is a format value, a rounded one is too
                Interval contribution = finitePart(rounded, true);
                accumulate(pk, k, contribution);
            }
        }
    }

    // a gradient sum: an op node's in the format, a leaf's in float64, as Backprop adds them
    private void accumulate(int pk, int from, Interval gi) {
        Interval sum = grad[pk];
        if (sum == null) {
            grad[pk] = gi;
            return;
        }
        int n = gi.size();
        double[] lo = new double[n], hi = new double[n];
        for (int e = 0; e < n; e++) {
            lo[e] = IntervalMath.addLo(sum.lo(e), gi.lo(e));
            hi[e] = IntervalMath.addHi(sum.hi(e), gi.hi(e));
        }
        Interval s = Interval.taking(gi.rows(), gi.cols(), lo, hi, false);
        if (g.nodes[pk].op() != null) s = s.rounded(p);
        if (!s.isFinite()) {
            findings.add(new Finding(pk, Phase.BACKWARD, -1, EnumSet.of(Cause.OVERFLOW),
                    List.of("sum so far " + sum, "contribution from '" + g.nodes[from].name() + "' " + gi)));
            s = finitePart(s, g.nodes[pk].op() != null);
        }
        grad[pk] = s;
    }

    /**
     * A transfer's box with every NaN end (a transfer's own arithmetic meeting inf - inf or 0 * inf)
     * made the infinite end on its side, and NaN admitted: sound whatever the transfer meant, and
     * not finite, so the node is flagged. A NaN end compares false with everything, so kept it
     * would pass for finite and contain no value.
     */
    private static Interval sane(Interval y) {
        int n = y.size();
        boolean bad = false;
        for (int e = 0; e < n && !bad; e++) bad = Double.isNaN(y.lo(e)) || Double.isNaN(y.hi(e));
        if (!bad) return y;
        double[] lo = new double[n], hi = new double[n];
        for (int e = 0; e < n; e++) {
            lo[e] = Double.isNaN(y.lo(e)) ? Double.NEGATIVE_INFINITY : y.lo(e);
            hi[e] = Double.isNaN(y.hi(e)) ? Double.POSITIVE_INFINITY : y.hi(e);
        }
        return Interval.taking(y.rows(), y.cols(), lo, hi, true);
    }

    /**
     * The finite part of a box the pass goes on with past a finding: the values a run that stays
     * finite there can take. A value in the format ({@code inFormat}: a rounded result, an exact
     * op's result of format values) is at most the format's largest finite value, not double's: a
     * float16 overflow goes on as [.., 65504], so ops downstream are not flagged for an overflow
     * only the clamp to double's range would cause.
     */
    private Interval finitePart(Interval box, boolean inFormat) {
        if (box.isFinite()) return box;
        Interval f = box.finitePart();
        if (!inFormat || p.isNative()) return f;
        double max = p.maxFinite();
        int n = f.size();
        double[] lo = new double[n], hi = new double[n];
        for (int e = 0; e < n; e++) {
            lo[e] = Math.min(Math.max(f.lo(e), -max), max);
            hi[e] = Math.max(Math.min(f.hi(e), max), -max);
        }
        return Interval.taking(f.rows(), f.cols(), lo, hi, false);
    }

    private Interval[] operands(int k, Patch patch) {
        int[] ps = g.parents[k];
        Interval[] x = new Interval[ps.length];
        for (int i = 0; i < ps.length; i++) {
            x[i] = value[ps[i]];
            if (patch != null && patch.node == k && patch.operand == i) x[i] = shifted(x[i], patch.eps);
        }
        return x;
    }

    private Interval shifted(Interval x, double eps) {
        int n = x.size();
        double[] lo = new double[n], hi = new double[n];
        for (int e = 0; e < n; e++) {
            lo[e] = IntervalMath.addLo(x.lo(e), eps);
            hi[e] = IntervalMath.addHi(x.hi(e), eps);
        }
        return Interval.taking(x.rows(), x.cols(), lo, hi, x.mayBeNaN()).rounded(p);
    }

    private Set<Cause> causes(Range r, Interval y, Interval rounded) {
        EnumSet<Cause> c = r.causes().isEmpty() ? EnumSet.noneOf(Cause.class) : EnumSet.copyOf(r.causes());
        if (!r.known()) c.add(Cause.UNDEFINED);
        // the double result was finite: only rounding to the format made it infinite
        if (y.isFinite() && !c.contains(Cause.EXP_OVERFLOW)) c.add(Cause.OVERFLOW);
        if (c.isEmpty()) c.add(y.mayBeNaN() ? Cause.UNDEFINED : Cause.OVERFLOW);
        if (!p.isNative() && c.stream().anyMatch(ZERO_CAUSES::contains)) c.add(Cause.UNDERFLOW_TO_ZERO);
        return c;
    }

    private static boolean finite(Interval[] x) {
        for (Interval i : x) if (!i.isFinite()) return false;
        return true;
    }

    private static Interval checked(Interval y, Var shapedLike, String what) {
        if (y.rows() != shapedLike.rows() || y.cols() != shapedLike.cols()) {
            throw new IllegalStateException(what + " of '" + shapedLike.name() + "' returned a " + y.shape()
                    + " box for a " + shapedLike.shape() + " value: the op's range transfer is wrong");
        }
        return y;
    }

    private static double widening(Interval y, Interval[] x) {
        double in = 0;
        for (Interval i : x) in = Math.max(in, width(i));
        double out = width(y);
        if (out == 0) return 1;
        return in == 0 ? Double.POSITIVE_INFINITY : out / in;
    }

    private static double width(Interval i) {
        double w = 0;
        for (int e = 0; e < i.size(); e++) w = Math.max(w, i.hi(e) - i.lo(e));
        return w;
    }

    private List<String> describe(Interval[] x, Interval upstream) {
        List<String> out = new ArrayList<>();
        for (Interval i : x) out.add(i.toString());
        if (upstream != null) out.add("upstream gradient " + upstream);
        return out;
    }

    /** Whether some finding is at {@code node} (any phase), for suggestions that must clear one node. */
    boolean flags(int node) {
        for (Finding f : findings) if (f.node() == node) return true;
        return false;
    }

    /** Whether some finding matches that site. */
    boolean flags(Finding site) {
        for (Finding f : findings) if (f.sameSite(site)) return true;
        return false;
    }
}
