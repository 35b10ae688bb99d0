package io.finitegrad.autodiff.check;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Tracer;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * "Can this network produce NaN/Inf for inputs like mine?", answered before the first step. The
 * check traces one run of a model builder (inputs → loss, or inputs → output) on representative
 * inputs, re-evaluates the traced graph on intervals with each op's own range transfer, forward and
 * backward, in the chosen format, and reports every potential defect (a node whose finite operand
 * intervals admit a non-finite result, with the causes they admit), confirms each with a
 * concrete input on which the real guard reports it, suggests a fix verified by the analysis, and
 * gives a {@link Certificate} when nothing can fail. It always reports the largest parameter radius
 * it certifies: a lower bound on how far training may move the weights before any node can fail.
 *
 * <pre>{@code
 * FinitenessReport r = FinitenessCheck.of(in -> model.forward(in.get("x")).logSoftmax().sum())
 *         .input("x", Interval.full(32, 4, 0, 10))
 *         .precision(Precision.FLOAT32)
 *         .run();
 * }</pre>
 *
 * <p>The builder must make its graph from the {@link Inputs} it is given and must not change state:
 * put layers in eval mode (BatchNorm's running statistics, dropout). A builder that reads a value
 * on the host while tracing (a branch on {@code x.item()}, a mask from a data column, a scale
 * chosen from the batch) gets a report that is not certifiable there, naming the read. Confirmation
 * runs the model again with candidate inputs; if parameters are searched within a radius they are
 * written and restored, and confirmation leaves the parameters' gradients zeroed.
 */
public final class FinitenessCheck {
    private final Function<Inputs, Var> model;
    private final Map<String, Interval> ranges = new LinkedHashMap<>();
    private final Map<String, Tensor> traceAt = new LinkedHashMap<>();
    private double radius;
    private Precision precision;
    private int tries = 200;
    private long seed = 1;
    private boolean confirm = true;
    private boolean suggest = true;
    private double maxRadius = 1e3;

    private FinitenessCheck(Function<Inputs, Var> model) {
        this.model = model;
    }

    /**
     * A check of the graph {@code model} builds from its inputs.
     *
     * @throws IllegalArgumentException if model is null
     */
    public static FinitenessCheck of(Function<Inputs, Var> model) {
        if (model == null) throw new IllegalArgumentException("FinitenessCheck.of: model is null");
        return new FinitenessCheck(model);
    }

    /**
     * Declares input {@code name} with every value inside {@code range} (its shape is the input's),
     * traced at the range's midpoints.
     *
     * @throws IllegalArgumentException if name or range is null, or name is declared twice
     */
    public FinitenessCheck input(String name, Interval range) {
        if (name == null || range == null) throw new IllegalArgumentException("FinitenessCheck.input: name or range is null");
        if (ranges.containsKey(name)) throw new IllegalArgumentException("FinitenessCheck.input: '" + name + "' declared twice");
        ranges.put(name, range);
        return this;
    }

    /**
     * Declares input {@code name} with range {@code range}, traced at {@code at} (a real batch).
     *
     * @throws IllegalArgumentException if {@code at} is not shaped like the range or lies outside it
     */
    public FinitenessCheck input(String name, Interval range, Tensor at) {
        input(name, range);
        if (at == null || at.rows() != range.rows() || at.cols() != range.cols() || !range.contains(at.toMatrix())) {
            throw new IllegalArgumentException("FinitenessCheck.input: the tracing value of '" + name + "' must be a "
                    + range.shape() + " tensor inside its range " + range);
        }
        traceAt.put(name, at);
        return this;
    }

    /**
     * Every parameter may be anywhere within {@code r} of its current value (absolute, per element);
     * 0, the default, checks the current weights.
     *
     * @throws IllegalArgumentException if r is negative, infinite or NaN
     */
    public FinitenessCheck paramRadius(double r) {
        if (!(r >= 0) || Double.isInfinite(r)) throw new IllegalArgumentException("FinitenessCheck.paramRadius: " + r);
        this.radius = r;
        return this;
    }

    /** The format to analyse in; by default the thread's current one ({@link Precision#current()}). */
    public FinitenessCheck precision(Precision p) {
        if (p == null) throw new IllegalArgumentException("FinitenessCheck.precision: null");
        this.precision = p;
        return this;
    }

    /**
     * Model runs the confirmation search may make per potential defect (default 200).
     *
     * @throws IllegalArgumentException if n is negative
     */
    public FinitenessCheck tries(int n) {
        if (n < 0) throw new IllegalArgumentException("FinitenessCheck.tries: " + n);
        this.tries = n;
        return this;
    }

    /** The confirmation search's random seed (default 1): the same seed finds the same inputs. */
    public FinitenessCheck seed(long s) {
        this.seed = s;
        return this;
    }

    /** Whether to search for confirming inputs (default true). */
    public FinitenessCheck confirm(boolean on) {
        this.confirm = on;
        return this;
    }

    /** Whether to suggest fixes and search the largest certified radius (default true). */
    public FinitenessCheck suggest(boolean on) {
        this.suggest = on;
        return this;
    }

    /**
     * The largest parameter radius the radius search tries (default 1000): a model certified at it
     * is reported as certified "at least" that far.
     *
     * @throws IllegalArgumentException if r is not positive and finite
     */
    public FinitenessCheck maxRadius(double r) {
        if (!(r > 0) || Double.isInfinite(r)) throw new IllegalArgumentException("FinitenessCheck.maxRadius: " + r);
        this.maxRadius = r;
        return this;
    }

    /**
     * Traces the model and analyses it: defects, confirmations, fixes, the certified radius.
     *
     * @throws IllegalStateException if the builder changed a parameter or buffer while traced, or
     *     an op's range transfer returned a box of the wrong shape
     * @throws IllegalArgumentException if the builder returned null
     */
    public FinitenessReport run() {
        Precision p = precision == null ? Precision.current() : precision;
        Traced t = trace(p, representative());
        Analysis a = new Analysis(t.graph, ranges, radius, p);
        IntervalPass pass = a.pass(1.0, radius, null);
        List<PotentialDefect> defects = new ArrayList<>();
        Confirmer confirmer = confirm ? new Confirmer(this, t.graph, a, seed) : null;
        for (Finding f : distinct(pass.findings)) {
            Confirmation c = confirmer == null ? null : confirmer.search(f, tries);
            List<Fix> fixes = suggest ? new Fixes(a, pass).suggest(f, c) : List.of();
            defects.add(a.defect(f, pass, c, fixes));
        }
        Analysis.RadiusSearch rs = suggest ? a.largestRadius(maxRadius) : null;
        return FinitenessReport.of(p, t.graph, a, pass, defects, t.reads, t.frozen, radius, rs);
    }

    /**
     * One interval pass over the traced graph, without confirmation, fixes or the radius search:
     * the analysis's own cost.
     */
    public FinitenessReport analyse() {
        Precision p = precision == null ? Precision.current() : precision;
        Traced t = trace(p, representative());
        Analysis a = new Analysis(t.graph, ranges, radius, p);
        IntervalPass pass = a.pass(1.0, radius, null);
        List<PotentialDefect> defects = new ArrayList<>();
        for (Finding f : distinct(pass.findings)) defects.add(a.defect(f, pass, null, List.of()));
        return FinitenessReport.of(p, t.graph, a, pass, defects, t.reads, t.frozen, radius, null);
    }

    private static List<Finding> distinct(List<Finding> fs) {
        List<Finding> out = new ArrayList<>();
        for (Finding f : fs) if (out.stream().noneMatch(f::sameSite)) out.add(f);
        return out;
    }

    /** The values each declared input is traced at: the given batch, or the range's midpoints. */
    Map<String, Tensor> representative() {
        Map<String, Tensor> at = new LinkedHashMap<>();
        for (Map.Entry<String, Interval> e : ranges.entrySet()) {
            Tensor given = traceAt.get(e.getKey());
            at.put(e.getKey(), given != null ? given : Tensor.of(e.getValue().midpoint()));
        }
        return at;
    }

    /** A trace: the graph, host reads, inputs the builder made itself (held at their values). */
    record Traced(TracedGraph graph, List<Tracer.HostRead> reads, List<String> frozen) {
    }

    @SuppressWarnings("try") // the scopes are opened for their effect on the run
    Traced trace(Precision p, Map<String, Tensor> at) {
        Map<String, Var> vars = new LinkedHashMap<>();
        Tracer.Traced<Var> traced;
        try (Emulation e = p.isNative() ? null : Precision.emulate(p);
             FiniteGuard.Scope s = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            for (Map.Entry<String, Tensor> in : at.entrySet()) vars.put(in.getKey(), Var.input(in.getKey(), in.getValue()));
            Inputs inputs = new Inputs(vars);
            traced = Tracer.trace(() -> model.apply(inputs));
        }
        if (traced.result() == null) throw new IllegalArgumentException("FinitenessCheck: the model builder returned null");
        if (!traced.writes().isEmpty()) {
            throw new IllegalStateException("FinitenessCheck: the model wrote " + traced.writes() + " while traced: a check"
                    + " must not change state; put the model in eval mode (BatchNorm's running statistics) first");
        }
        TracedGraph g = new TracedGraph(traced.result());
        List<String> frozen = new ArrayList<>();
        for (Var v : g.nodes) {
            if (v.kind() == Var.Kind.INPUT && vars.get(v.name()) != v && !vars.containsValue(v)) frozen.add(v.name());
        }
        List<Tracer.HostRead> reads = new ArrayList<>();
        for (Tracer.HostRead r : traced.reads()) {
            // a read of a parameter held at a point decides nothing that the check varies
            if (r.kind() == Var.Kind.PARAM && radius == 0) continue;
            reads.add(r);
        }
        return new Traced(g, reads, frozen);
    }

    /** Runs the model on {@code at}, for confirmation: the new graph and the guard's reports. */
    @SuppressWarnings("try")
    Run runOn(Precision p, Map<String, Tensor> at, boolean backward) {
        Map<String, Var> vars = new LinkedHashMap<>();
        try (Emulation e = p.isNative() ? null : Precision.emulate(p);
             FiniteGuard.Scope s = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            for (Map.Entry<String, Tensor> in : at.entrySet()) vars.put(in.getKey(), Var.input(in.getKey(), in.getValue()));
            // under the tracer, as the trace ran: library code that takes a graph-only path while traced
            // (softmaxCrossEntropy's constant targets) must build the same graph here
            Inputs inputs = new Inputs(vars);
            Var root = Tracer.trace(() -> model.apply(inputs)).result();
            if (root == null) throw new IllegalArgumentException("FinitenessCheck: the model builder returned null");
            TracedGraph g = new TracedGraph(root);
            if (backward && root.rows() == 1 && root.cols() == 1 && root.requiresGrad()) {
                for (Var v : g.nodes) if (v.kind() == Var.Kind.PARAM) v.zeroGrad();
                root.backward();
                for (Var v : g.nodes) if (v.kind() == Var.Kind.PARAM) v.zeroGrad();
            }
            return new Run(g, s.reports());
        }
    }

    /** A confirmation run. */
    record Run(TracedGraph graph, List<io.finitegrad.autodiff.NanReport> reports) {
    }

    Map<String, Interval> ranges() {
        return ranges;
    }
}
