package io.finitegrad.autodiff.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Soundness of the whole analysis on random graphs: chains and DAGs of 3-8 built-in ops (every
 * one of them: elementwise, arithmetic with broadcasting, matmul, transpose, slicing, concatenation,
 * reductions, the softmax family, where) over 1-3 inputs and 1-2 parameters of random shapes up to
 * 4x4, random per-element input boxes (touching 0, spanning it, moderate to large ends), a random
 * parameter radius, in every {@link Precision}. For random concrete inputs in the boxes (ends
 * favoured) and parameters moved within the radius, the real graph is run under emulation of the
 * format with the guard in WARN and:
 * <ul>
 *   <li>every node whose operands were finite and whose value is finite lies in its value interval;
 *   <li>on runs without any guard report, every gradient (parameters' and op nodes') lies in its
 *       gradient interval;
 *   <li>every guard report is at a node the analysis flagged in that phase with a set holding the
 *       report's cause.
 * </ul>
 * Examples: {@code -DQT_EXAMPLES} graphs per format (100 by default, 2000 under {@code -Pthorough}),
 * {@value #POINTS} concrete points each; seed {@code -DQT_SEED}. The checks made are counted and
 * the count is asserted.
 */
@SuppressWarnings("try") // the emulation and guard scopes are opened for their effect on the run
class FinitenessSoundnessTest {
    private static final int EXAMPLES = Integer.getInteger("QT_EXAMPLES", 100);
    private static final int POINTS = 4;
    private static final String[] OPS = {"neg", "exp", "log", "sqrt", "pow", "abs", "sigmoid", "tanh", "relu", "leakyRelu",
        "softplus", "clamp", "add", "sub", "mul", "div", "matmul", "transpose", "sliceRows", "sliceCols", "concatRows",
        "concatCols", "sum", "mean", "sumRows", "sumCols", "meanRows", "meanCols", "softmax", "logSoftmax", "logSumExp",
        "where"};

    /** Checks made, per kind, over the whole class. */
    private static final Map<Precision, long[]> CHECKS = new EnumMap<>(Precision.class);
    private static final Map<String, Integer> OPS_SEEN = new LinkedHashMap<>();

    /** One random graph: its inputs' boxes, its parameters, a builder that replays it. */
    private record Case(Map<String, Interval> boxes, List<Var> params, double radius, Function<Inputs, Var> model,
            List<String> ops) {
        @Override
        public String toString() {
            return "ops " + ops + ", inputs " + boxes + ", radius " + radius;
        }
    }

    /** A node's shape in the pool while generating. */
    private record Node(int rows, int cols, boolean grad) {
    }

    private interface Step {
        Var apply(List<Var> pool);
    }

    private static Case generate(long seed) {
        Random rnd = new Random(seed);
        int rows = 1 + rnd.nextInt(4), cols = 1 + rnd.nextInt(4);
        List<Node> pool = new ArrayList<>();
        Map<String, Interval> boxes = new LinkedHashMap<>();
        List<Var> params = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        int nIn = 1 + rnd.nextInt(3), nParams = 1 + rnd.nextInt(2);
        List<String> inputNames = new ArrayList<>();
        List<int[]> operands = new ArrayList<>();
        List<Boolean> isOp = new ArrayList<>();
        for (int i = 0; i < nIn; i++) {
            int r = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(4) : rows, c = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(4) : cols;
            String name = "x" + i;
            boxes.put(name, box(r, c, rnd));
            inputNames.add(name);
            pool.add(new Node(r, c, false));
            isOp.add(false);
        }
        for (int i = 0; i < nParams; i++) {
            Var w = param(rows, cols, rnd, params);
            pool.add(new Node(rows, cols, true));
            isOp.add(false);
            steps.add(pl -> w);
        }
        int nOps = 3 + rnd.nextInt(6);
        for (int s = 0; s < nOps; s++) {
            int a = rnd.nextInt(10) < 6 ? pool.size() - 1 : rnd.nextInt(pool.size());
            if (s == 0) a = rnd.nextInt(nIn);
            Node na = pool.get(a);
            String op = OPS[rnd.nextInt(OPS.length)];
            if (s == 0) op = rnd.nextBoolean() ? "mul" : "add"; // an input meets a parameter: gradients flow
            final int ia = a;
            operands.add(new int[] {ia});
            Step step;
            Node out;
            switch (op) {
                case "neg", "exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "softplus" -> {
                    String o = op;
                    step = pl -> unary(o, pl.get(ia));
                    out = na;
                }
                case "pow" -> {
                    double[] exps = {2, 3, 0.5, -1, 1.5, -0.5, 4};
                    double e = exps[rnd.nextInt(exps.length)];
                    step = pl -> pl.get(ia).pow(e);
                    out = na;
                }
                case "leakyRelu" -> {
                    double slope = rnd.nextDouble() * 0.3;
                    step = pl -> pl.get(ia).leakyRelu(slope);
                    out = na;
                }
                case "clamp" -> {
                    double lo = -rnd.nextDouble() * 5, hi = rnd.nextDouble() * 5;
                    step = pl -> pl.get(ia).clamp(lo, hi);
                    out = na;
                }
                case "add", "sub", "mul", "div" -> {
                    int ib = s == 0 ? -1 : partner(pool, na, rnd);
                    Node nb;
                    if (ib < 0) {
                        int r = rnd.nextInt(3) == 0 ? 1 : na.rows, c = rnd.nextInt(3) == 0 ? 1 : na.cols;
                        Var w = param(r, c, rnd, params);
                        pool.add(new Node(r, c, true));
                        isOp.add(false);
                        steps.add(pl -> w);
                        ib = pool.size() - 1;
                    }
                    nb = pool.get(ib);
                    String o = op;
                    int jb = ib;
                    operands.add(new int[] {jb});
                    boolean swap = s > 0 && rnd.nextInt(4) == 0 && nb.rows == na.rows && nb.cols == na.cols;
                    step = swap ? pl -> binary(o, pl.get(jb), pl.get(ia)) : pl -> binary(o, pl.get(ia), pl.get(jb));
                    out = new Node(Math.max(na.rows, nb.rows), Math.max(na.cols, nb.cols), na.grad || nb.grad);
                }
                case "matmul" -> {
                    int k = 1 + rnd.nextInt(4);
                    Var w = param(na.cols, k, rnd, params);
                    pool.add(new Node(na.cols, k, true));
                    isOp.add(false);
                    steps.add(pl -> w);
                    int iw = pool.size() - 1;
                    operands.add(new int[] {iw});
                    step = pl -> pl.get(ia).matmul(pl.get(iw));
                    out = new Node(na.rows, k, true);
                }
                case "transpose" -> {
                    step = pl -> pl.get(ia).transpose();
                    out = new Node(na.cols, na.rows, na.grad);
                }
                case "sliceRows" -> {
                    int from = rnd.nextInt(na.rows), to = from + 1 + rnd.nextInt(na.rows - from);
                    step = pl -> pl.get(ia).sliceRows(from, to);
                    out = new Node(to - from, na.cols, na.grad);
                }
                case "sliceCols" -> {
                    int from = rnd.nextInt(na.cols), to = from + 1 + rnd.nextInt(na.cols - from);
                    step = pl -> pl.get(ia).sliceCols(from, to);
                    out = new Node(na.rows, to - from, na.grad);
                }
                case "concatRows", "concatCols" -> {
                    boolean byRows = op.equals("concatRows");
                    int ib = -1;
                    for (int t = 0; t < 4 && ib < 0; t++) {
                        int c = rnd.nextInt(pool.size());
                        if (byRows ? pool.get(c).cols == na.cols : pool.get(c).rows == na.rows) ib = c;
                    }
                    if (ib < 0) ib = ia;
                    Node nb = pool.get(ib);
                    int jb = ib;
                    operands.add(new int[] {jb});
                    step = byRows ? pl -> Var.concatRows(pl.get(ia), pl.get(jb)) : pl -> Var.concatCols(pl.get(ia), pl.get(jb));
                    out = byRows ? new Node(na.rows + nb.rows, na.cols, na.grad || nb.grad)
                            : new Node(na.rows, na.cols + nb.cols, na.grad || nb.grad);
                }
                case "sum", "mean" -> {
                    String o = op;
                    step = pl -> o.equals("sum") ? pl.get(ia).sum() : pl.get(ia).mean();
                    out = new Node(1, 1, na.grad);
                }
                case "sumRows", "meanRows", "logSumExp" -> {
                    String o = op;
                    step = pl -> o.equals("sumRows") ? pl.get(ia).sumRows() : o.equals("meanRows") ? pl.get(ia).meanRows()
                            : pl.get(ia).logSumExp();
                    out = new Node(na.rows, 1, na.grad);
                }
                case "sumCols", "meanCols" -> {
                    String o = op;
                    step = pl -> o.equals("sumCols") ? pl.get(ia).sumCols() : pl.get(ia).meanCols();
                    out = new Node(1, na.cols, na.grad);
                }
                case "softmax", "logSoftmax" -> {
                    String o = op;
                    step = pl -> o.equals("softmax") ? pl.get(ia).softmax() : pl.get(ia).logSoftmax();
                    out = na;
                }
                case "where" -> {
                    double[] m = new double[na.rows * na.cols];
                    for (int e = 0; e < m.length; e++) m[e] = rnd.nextInt(2);
                    Tensor mask = Tensor.of(na.rows, na.cols, m);
                    int ib = partner(pool, na, rnd);
                    if (ib < 0) ib = ia;
                    int jb = ib;
                    operands.add(new int[] {jb});
                    step = pl -> pl.get(ia).where(mask, pl.get(jb));
                    out = new Node(na.rows, na.cols, na.grad || pool.get(ib).grad);
                }
                default -> throw new AssertionError(op);
            }
            steps.add(step);
            pool.add(out);
            isOp.add(true);
            ops.add(op);
        }
        // the loss sums every op node no later op used (a DAG may leave several), so every node the
        // builder makes is in the traced graph; the first op joins an input with a parameter
        boolean[] used = new boolean[pool.size()];
        for (int[] uses : operands) for (int u : uses) used[u] = true;
        List<Integer> sinks = new ArrayList<>();
        for (int k = nIn; k < pool.size(); k++) if (!used[k] && isOp.get(k)) sinks.add(k);
        Function<Inputs, Var> model = in -> {
            List<Var> pl = new ArrayList<>();
            for (String n : inputNames) pl.add(in.get(n));
            for (Step st : steps) pl.add(st.apply(pl));
            Var loss = null;
            for (int k : sinks) loss = loss == null ? pl.get(k).sum() : loss.add(pl.get(k).sum());
            return loss;
        };
        double[] radii = {0, 0, 0.01, 0.5};
        return new Case(boxes, params, radii[rnd.nextInt(radii.length)], model, ops);
    }

    /** A pool node shaped like {@code a} or broadcasting to it, or -1. */
    private static int partner(List<Node> pool, Node a, Random rnd) {
        if (rnd.nextInt(3) == 0) return -1;
        for (int t = 0; t < 6; t++) {
            int c = rnd.nextInt(pool.size());
            Node b = pool.get(c);
            if ((b.rows == a.rows || b.rows == 1) && (b.cols == a.cols || b.cols == 1)) return c;
        }
        return -1;
    }

    private static Var param(int r, int c, Random rnd, List<Var> params) {
        double[] v = new double[r * c];
        double scale = rnd.nextInt(4) == 0 ? 4 : 1;
        for (int e = 0; e < v.length; e++) v[e] = rnd.nextInt(8) == 0 ? 0 : (rnd.nextDouble() * 2 - 1) * scale;
        Var w = Var.param("w" + params.size(), Tensor.of(r, c, v));
        params.add(w);
        return w;
    }

    private static Interval box(int r, int c, Random rnd) {
        double[] lo = new double[r * c], hi = new double[r * c];
        double[] scales = {1, 1, 3, 10, 100, 1000};
        for (int e = 0; e < lo.length; e++) {
            double s = scales[rnd.nextInt(scales.length)];
            double a = (rnd.nextDouble() * 2 - 1) * s, b = (rnd.nextDouble() * 2 - 1) * s;
            switch (rnd.nextInt(6)) {
                case 0 -> { // touching 0 from above
                    a = 0;
                    b = Math.abs(b);
                }
                case 1 -> b = a; // a point
                case 2 -> { // strictly positive
                    a = Math.abs(a) + 1e-3;
                    b = Math.abs(b) + 1e-3;
                }
                default -> {
                }
            }
            lo[e] = Math.min(a, b);
            hi[e] = Math.max(a, b);
        }
        return Interval.of(Tensor.of(r, c, lo), Tensor.of(r, c, hi));
    }

    private static Var unary(String op, Var x) {
        return switch (op) {
            case "neg" -> x.neg();
            case "exp" -> x.exp();
            case "log" -> x.log();
            case "sqrt" -> x.sqrt();
            case "abs" -> x.abs();
            case "sigmoid" -> x.sigmoid();
            case "tanh" -> x.tanh();
            case "relu" -> x.relu();
            case "softplus" -> x.softplus();
            default -> throw new AssertionError(op);
        };
    }

    private static Var binary(String op, Var a, Var b) {
        return switch (op) {
            case "add" -> a.add(b);
            case "sub" -> a.sub(b);
            case "mul" -> a.mul(b);
            case "div" -> a.div(b);
            default -> throw new AssertionError(op);
        };
    }

    private static double pick(double lo, double hi, Random rnd) {
        int u = rnd.nextInt(8);
        if (u == 0) return lo;
        if (u == 1) return hi;
        if (u == 2 && lo <= 0 && hi >= 0) return 0;
        return Math.min(hi, Math.max(lo, lo + (hi - lo) * rnd.nextDouble()));
    }

    /** One graph, one format: the analysis, then {@link #POINTS} real runs checked against it. */
    private static void check(long seed, Precision p) {
        Case cs = generate(seed * 4 + p.ordinal()); // other graphs in each format
        synchronized (OPS_SEEN) {
            for (String o : cs.ops) OPS_SEEN.merge(o, 1, Integer::sum);
        }
        FinitenessCheck fc = FinitenessCheck.of(cs.model).paramRadius(cs.radius).precision(p);
        for (Map.Entry<String, Interval> e : cs.boxes.entrySet()) fc.input(e.getKey(), e.getValue());
        FinitenessReport rep = fc.analyse();
        assertTrue(rep.unknownOps().isEmpty(), () -> "built-in ops without a transfer: " + rep.unknownOps() + " in " + cs);
        assertTrue(rep.backward(), cs::toString);
        List<NodeBounds> bounds = rep.bounds();
        long[] counts = CHECKS.computeIfAbsent(p, k -> new long[4]);
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        for (int t = 0; t < POINTS; t++) {
            Map<String, Tensor> at = new LinkedHashMap<>();
            for (Map.Entry<String, Interval> e : cs.boxes.entrySet()) {
                Interval b = e.getValue();
                double[] v = new double[b.size()];
                for (int k = 0; k < v.length; k++) v[k] = pick(b.lo(k), b.hi(k), rnd);
                at.put(e.getKey(), Tensor.of(b.rows(), b.cols(), v));
            }
            double[][] saved = new double[cs.params.size()][];
            try {
                for (int k = 0; k < cs.params.size(); k++) {
                    double[] w = cs.params.get(k).write().data;
                    saved[k] = w.clone();
                    if (t > 0) for (int e = 0; e < w.length; e++) w[e] += pick(-cs.radius, cs.radius, rnd);
                    cs.params.get(k).zeroGrad();
                }
                runAndCompare(cs, p, at, rep, bounds, counts);
            } finally {
                for (int k = 0; k < cs.params.size(); k++) {
                    System.arraycopy(saved[k], 0, cs.params.get(k).write().data, 0, saved[k].length);
                    cs.params.get(k).zeroGrad();
                }
            }
        }
    }

    private static void runAndCompare(Case cs, Precision p, Map<String, Tensor> at, FinitenessReport rep,
            List<NodeBounds> bounds, long[] counts) {
        TracedGraph g;
        List<NanReport> reports;
        try (Emulation e = p.isNative() ? null : Precision.emulate(p);
             FiniteGuard.Scope s = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Map<String, Var> vars = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> in : at.entrySet()) vars.put(in.getKey(), Var.input(in.getKey(), in.getValue()));
            Var root = cs.model.apply(new Inputs(vars));
            root.backward();
            g = new TracedGraph(root);
            reports = s.reports();
        }
        String where = cs + ", " + p + ", at " + at;
        assertEquals(bounds.size(), g.size(), where);
        boolean[] clean = new boolean[g.size()];
        for (int k = 0; k < g.size(); k++) {
            Var v = g.nodes[k];
            NodeBounds b = bounds.get(k);
            assertEquals(b.op(), v.opName(), where);
            boolean operandsClean = true;
            for (int q : g.parents[k]) operandsClean &= clean[q];
            DMatrixRMaj val = v.read();
            if (v.kind() == Var.Kind.PARAM && !p.isNative()) {
                // a parameter's float64 master is rounded when an op reads it: its box is what ops see
                val = val.copy();
                for (int e = 0; e < val.getNumElements(); e++) val.data[e] = p.round(val.data[e]);
            }
            boolean finite = true;
            for (int e = 0; e < val.getNumElements(); e++) finite &= Double.isFinite(val.data[e]);
            clean[k] = operandsClean && finite;
            if (clean[k]) {
                DMatrixRMaj seen = val;
                int out = b.value().firstOutside(seen);
                int kk = k;
                assertTrue(out < 0, () -> "node " + kk + " '" + v.name() + "' (" + v.opName() + ") element " + out + " = "
                        + seen.data[out] + " outside " + b.value().toString(out) + "\n" + where + "\n" + rep);
                counts[0]++;
            }
        }
        for (NanReport r : reports) {
            int k = g.indexOf(r.entryId());
            assertTrue(k >= 0, () -> "report at a node outside the graph: " + r.label());
            boolean flagged = rep.defects().stream().anyMatch(d -> d.index() == k && d.phase() == r.phase()
                    && d.causes().contains(r.cause()));
            assertTrue(flagged, () -> "the guard reports " + r.phase() + " " + r.cause() + " at node " + k + " '" + r.label()
                    + "' (" + r.op() + ": " + r.detail() + ") which the analysis did not flag so\n" + where + "\n" + rep);
            counts[2]++;
        }
        if (!reports.isEmpty()) return;
        for (int k = 0; k < g.size(); k++) {
            Var v = g.nodes[k];
            NodeBounds b = bounds.get(k);
            if (!v.hasGrad() || b.grad() == null) continue;
            DMatrixRMaj gr = v.readGrad();
            int out = b.grad().firstOutside(gr);
            int kk = k;
            assertTrue(out < 0, () -> "gradient of node " + kk + " '" + v.name() + "' (" + v.opName() + ") element " + out
                    + " = " + gr.data[out] + " outside " + b.grad().toString(out) + "\n" + where + "\n" + rep);
            counts[1]++;
        }
        counts[3]++;
    }

    @Test
    void everyValueGradientAndGuardReportIsWithinTheAnalysis() {
        for (Precision p : Precision.values()) {
            qt().withExamples(EXAMPLES).forAll(longs().all(), integers().between(0, 0)).checkAssert((seed, unused) -> check(seed, p));
        }
        for (Precision p : Precision.values()) {
            long[] c = CHECKS.get(p);
            System.out.printf("FinitenessSoundnessTest %s: %d graphs x %d points: %d value checks, %d gradient checks,"
                    + " %d guard reports matched, %d runs fully finite%n", p, EXAMPLES, POINTS, c[0], c[1], c[2], c[3]);
            assertTrue(c[0] >= 10L * EXAMPLES, () -> p + ": only " + c[0] + " value checks");
            assertTrue(c[1] >= 2L * EXAMPLES, () -> p + ": only " + c[1] + " gradient checks");
            assertTrue(c[2] > 0, () -> p + ": no guard report was ever checked");
        }
        System.out.println("FinitenessSoundnessTest ops drawn: " + new TreeSet<>(OPS_SEEN.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList()));
        for (String op : OPS) assertTrue(OPS_SEEN.containsKey(op), () -> op + " never drawn");
    }

    @AfterAll
    static void clear() {
        CHECKS.clear();
        OPS_SEEN.clear();
    }
}
