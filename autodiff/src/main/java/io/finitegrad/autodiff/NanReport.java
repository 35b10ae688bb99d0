package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Precision;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Where a NaN/Inf first entered the graph and why: the entry node (op, label, id, creation site),
 * the phase, the {@link Cause} read from the actual operands, summaries of the inputs and of the
 * upstream gradient, the path to the output it reached, the nodes that hid it, and a remedy.
 * Readable with {@link #toString()}, drawable with {@link #toDot()}, machine-readable with
 * {@link #toJson()}.
 *
 * <p>A report names the format the graph was computed in when the incident happened
 * ({@link #precision()}): under {@code Precision.emulate} its text has a {@code format:} line and
 * quotes that format's limits (exp overflows above 11.09 in float16); a float64 report reads as it
 * always did, and its JSON says {@code "format": "float64"}. When the zero an entry divided by or
 * logged was made by rounding to the format, {@link #underflow()} says where.
 *
 * <p>An immutable value: the guard hands one out when THROW mode raises its exception, when
 * {@link FiniteGuard.Scope#reports()} is read and from {@link Var#valueReport()} /
 * {@link Var#gradientReport()}. In WARN mode the guard's record of an incident keeps growing
 * (propagation, hiding nodes, poisoned gradients); a report shows it as it stood when handed out,
 * so read the reports again for the latest. A report holds names, ids and numbers, never graph
 * nodes: keeping one does not keep a graph alive.
 *
 * <p>Nodes with neither a label nor a name scope are numbered within each report: {@code #1 sub},
 * {@code #2 where}, ... in the order the report lists them (entry, operand, detail, inputs,
 * upstream, result, allowed inputs, every hop of the path, hiding nodes, consequences, poisoned
 * gradients, remedy, then nodes that appear only in {@link #graph()}), so the same graph reads the
 * same wherever in a JVM's life it was built. The same node has the same number throughout one
 * report; {@link #numberedIds()} and {@link #entryId()} give the JVM-wide ids.
 */
public final class NanReport {
    private final Phase phase;
    private final long entryId;
    private final String op;
    private final String label;
    private final Cause cause;
    private final String detail;
    private final String underflow;
    private final Precision precision;
    private final String remedy;
    private final String site;
    private final int row;
    private final int col;
    private final int operand;
    private final String operandLabel;
    private final List<TensorSummary> inputs;
    private final TensorSummary upstream;
    private final TensorSummary output;
    private final List<String> allowed;
    private final String origin;
    private final List<String> path;
    private final List<String> hiddenBy;
    private final List<String> reached;
    private final List<String> consequences;
    private final int propagationCount;
    private final List<ReportNode> graph;
    private final boolean graphTruncated;
    private final Map<String, Long> numberedIds;

    NanReport(Incident i, List<String> path, List<String> hiddenBy, List<String> reached, List<String> consequences,
              int propagationCount,
              ReportGraph.Snapshot graph) {
        // numbered in the order toString() lists the fields (the whole path counting), then the graph's nodes
        ReportNames names = new ReportNames();
        this.phase = i.phase;
        this.entryId = i.entryId;
        this.op = i.op;
        this.label = names.resolve(i.label);
        this.operandLabel = names.resolve(i.operandLabel);
        this.cause = i.cause;
        this.detail = names.resolve(i.detail);
        this.underflow = i.underflow == null ? null : names.resolve(i.underflow);
        this.precision = i.precision;
        this.origin = i.origin;
        this.site = i.site;
        this.inputs = names.resolveSummaries(i.inputs);
        this.upstream = names.resolve(i.upstream);
        this.output = names.resolve(i.output);
        this.allowed = names.resolve(i.allowed);
        this.path = names.resolve(path);
        this.hiddenBy = names.resolve(hiddenBy);
        this.consequences = names.resolve(consequences);
        this.reached = names.resolve(reached);
        this.remedy = names.resolve(i.remedy);
        this.row = i.row;
        this.col = i.col;
        this.operand = i.operand;
        this.propagationCount = propagationCount;
        List<ReportNode> nodes = new ArrayList<>(graph.nodes().size());
        for (ReportNode n : graph.nodes()) {
            nodes.add(new ReportNode(n.id(), names.resolve(n.name()), n.op(), n.shape(), n.range(), n.role(), n.inputs()));
        }
        this.graph = Collections.unmodifiableList(nodes);
        this.graphTruncated = graph.truncated();
        this.numberedIds = names.ids();
    }

    // ---- accessors ---------------------------------------------------------------------------

    public Phase phase() { return phase; }
    /** The entry node's {@link Var#id()}, JVM-wide: its identity, which the text leaves out. */
    public long entryId() { return entryId; }
    /** The entry node's op short name, e.g. {@code "log"}; {@code "input"}/{@code "param"} for leaves. */
    public String op() { return op; }
    /** The entry node's name when the report was made, numbered as in {@link #numberedIds()} if it has no label or scope. */
    public String label() { return label; }
    public Cause cause() { return cause; }
    /** The op's explanation with the operand values at the offending element. */
    public String detail() { return detail; }
    public String remedy() { return remedy; }
    /** The format the graph was computed in when the incident happened ({@code FLOAT64} unless emulated). */
    public Precision precision() { return precision; }
    /**
     * Under emulation, where the zero this entry divided by or logged rounded to 0 in the format
     * (the node, the element and its exact value), for {@link Cause#UNDERFLOW_TO_ZERO}; else null.
     */
    public String underflow() { return underflow; }
    /** Where user code created the entry node, {@code File.java:42 (Class.method)}. */
    public String site() { return site; }
    /** Row of the offending element in the output (forward) or in the gradient (backward). */
    public int row() { return row; }
    public int col() { return col; }
    /** In backward, which operand's gradient went non-finite; -1 otherwise. */
    public int operand() { return operand; }
    public List<TensorSummary> inputs() { return inputs; }
    /** The gradient arriving at the entry node (backward only, else null). */
    public TensorSummary upstream() { return upstream; }
    /** The non-finite output (forward) or gradient (backward). */
    public TensorSummary output() { return output; }
    /** Inputs that were non-finite on purpose ({@link FiniteGuard#allowNonFinite}), with reasons. */
    public List<String> allowedInputs() { return allowed; }
    /**
     * For an input made with a {@link Provenance}, where its first bad element came from in the
     * data, e.g. {@code row 57 of iris.csv (line 59), feature 'petal_width'}; null otherwise.
     */
    public String origin() { return origin; }
    /** Nodes that read this NaN/Inf and produced finite values, hiding it (names and ops). */
    public List<String> hiddenBy() { return hiddenBy; }
    /** Leaves (parameters, inputs) whose gradients this entry made non-finite. */
    public List<String> reachedGradients() { return reached; }
    /**
     * What this entry's infinite values did in backward (WARN mode): non-finite gradients they caused
     * (1/0 after log(0), 0 * Inf behind a mask), each with the op's cause, detail and remedy. They
     * share this entry's root cause, so they are not reported as entries of their own.
     */
    public List<String> consequences() { return consequences; }
    /** How many later nodes carried this NaN/Inf on (WARN mode). */
    public int propagationCount() { return propagationCount; }

    /**
     * The path from the entry point to the furthest output it reached, as {@code "name (op)"}: in
     * backward the chain of consumers up to the loss; in forward the nodes that carried the value on
     * (only the entry itself when THROW stopped there). Complete; {@link #toString()} shortens a long
     * one to its ends.
     */
    public List<String> path() { return path; }

    /**
     * The nodes this report describes, as captured when it was handed out: the path, the hiding
     * nodes and their direct inputs (at most 5000; nodes already collected
     * are missing).
     */
    public List<ReportNode> graph() { return graph; }

    /** True if {@link #graph()} left nodes out to stay bounded. */
    public boolean graphTruncated() { return graphTruncated; }

    /**
     * The JVM-wide {@link Var#id()} of each node this report numbers, by the name it shows
     * ({@code "#1 sub"}), in numbering order: the nodes with no label or scope, whose
     * {@link Var#name()} would carry an id that depends on what the JVM built before.
     */
    public Map<String, Long> numberedIds() { return numberedIds; }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("NaN/Inf entry point (").append(phase).append("): ").append(op).append(" '").append(label).append("'");
        if (operand >= 0) sb.append(", gradient to operand ").append(operand).append(" '").append(operandLabel).append("'");
        if (!precision.isNative()) sb.append("\n  format:    ").append(formatLine(precision));
        sb.append("\n  cause:     ").append(cause).append(": ").append(cause.meaning(precision));
        sb.append("\n  detail:    ").append(detail);
        if (underflow != null) sb.append("\n  underflow: ").append(underflow);
        if (origin != null) sb.append("\n  data:      ").append(origin);
        sb.append("\n  created:   ").append(site);
        for (int i = 0; i < inputs.size(); i++) sb.append("\n  input ").append(i).append(":   ").append(inputs.get(i));
        if (upstream != null) sb.append("\n  upstream:  ").append(upstream);
        sb.append("\n  result:    ").append(output);
        if (!allowed.isEmpty()) sb.append("\n  allowed:   ").append(String.join(", ", allowed));
        sb.append("\n  path:      ").append(shortPath(path));
        if (!hiddenBy.isEmpty()) sb.append("\n  hidden by: ").append(String.join(", ", hiddenBy))
                .append(" (read non-finite, produced finite: the NaN can return in backward)");
        for (String c : consequences) sb.append("\n  then:      ").append(c);
        if (!reached.isEmpty()) sb.append("\n  poisoned:  gradients of ").append(String.join(", ", reached));
        sb.append("\n  remedy:    ").append(remedy);
        return sb.toString();
    }

    /** {@code float16 (emulated: largest finite 65504, smallest normal 6.1e-5, exp overflows above 11.09)}. */
    static String formatLine(Precision p) {
        return p.label() + (p.isNative() ? "" : " (emulated") + ": largest finite " + InFormat.number(p.maxFinite())
                + ", smallest normal " + InFormat.number(p.minNormal()) + ", exp overflows above " + InFormat.expLimit(p)
                + (p.isNative() ? "" : ")");
    }

    /** Hops shown at each end of a long path in {@link #toString()}. */
    private static final int PATH_ENDS = 3;

    /**
     * The path joined with arrows; a long one (a 5,000-step RNN's runs to 90,000 characters) as its
     * first and last hops around {@code ... N more ...}. {@link #path()} and the JSON keep every hop.
     */
    static String shortPath(List<String> path) {
        int n = path.size();
        if (n <= 2 * PATH_ENDS + 2) return String.join(" -> ", path);
        return String.join(" -> ", path.subList(0, PATH_ENDS)) + " -> ... " + (n - 2 * PATH_ENDS) + " more ... -> "
                + String.join(" -> ", path.subList(n - PATH_ENDS, n));
    }

    /** A Graphviz graph of the nodes in {@link #graph()}: entry red, propagation orange, hiding nodes yellow. */
    public String toDot() {
        return ReportExport.dot(this);
    }

    /** The report as a JSON object. */
    public String toJson() {
        return ReportExport.json(this);
    }
}
