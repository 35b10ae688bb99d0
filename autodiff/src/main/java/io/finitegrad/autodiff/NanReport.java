package io.finitegrad.autodiff;

import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.FiniteStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;

/**
 * Where a NaN/Inf first entered the graph and why: the entry node (op, label, creation site), the
 * phase, the {@link Cause} read from the actual operands, summaries of the inputs and of the
 * upstream gradient, the path to the output it reached, the nodes that hid it, and a remedy.
 * Readable with {@link #toString()}, drawable with {@link #toDot()}, machine-readable with
 * {@link #toJson()}.
 *
 * <p>In WARN mode a report keeps growing while the computation goes on: nodes that propagate or
 * hide its NaN, and parameters whose gradients it poisons, are added as they happen.
 */
public final class NanReport {
    private static final int MAX_LISTED = 20;

    final Phase phase;
    final Var entry;
    final String op;
    final String label;
    final Cause cause;
    final String detail;
    final String remedy;
    final String site;
    final int row;
    final int col;
    final int operand;
    final String operandLabel;
    final List<TensorSummary> inputs;
    final TensorSummary upstream;
    final TensorSummary output;
    final List<String> allowed;
    final List<String> backwardPath; // entry -> ... -> loss, known when the report is made in backward
    final Var backwardRoot;
    final Object token;

    Var lastPropagated;
    int propagatedCount;
    final List<Var> hiders = new ArrayList<>();
    final Set<String> reached = new LinkedHashSet<>();

    private NanReport(Phase phase, Var entry, Cause cause, String detail, String remedy, int row, int col,
                      int operand, List<TensorSummary> inputs, TensorSummary upstream, TensorSummary output,
                      List<String> allowed, List<String> backwardPath, Var backwardRoot, Object token) {
        this.phase = phase;
        this.entry = entry;
        this.op = entry.opName();
        this.label = entry.name();
        this.cause = cause;
        this.detail = detail;
        this.remedy = remedy;
        // Forward reports are made while the user's frame is still on the stack, so without a
        // recorded creation site the live stack names the line that made (or read) the node.
        this.site = entry.site != null || phase == Phase.BACKWARD ? entry.site() : Site.format(Site.capture());
        this.row = row;
        this.col = col;
        this.operand = operand;
        this.operandLabel = operand >= 0 ? entry.parent(operand).name() : null;
        this.inputs = inputs;
        this.upstream = upstream;
        this.output = output;
        this.allowed = allowed;
        this.backwardPath = backwardPath;
        this.backwardRoot = backwardRoot;
        this.token = token;
    }

    // ---- construction (by the guard) --------------------------------------------------------

    static NanReport leaf(Var v, Object token) {
        FiniteStats s = FiniteScan.scan(v.value);
        String what = v.kind == Var.Kind.INPUT ? "input" : v.kind == Var.Kind.PARAM ? "parameter" : "constant";
        String detail = what + " '" + v.name() + "' holds " + counts(s) + "; first at (" + s.firstBadRow() + ", "
                + s.firstBadCol() + ") = " + v.value.data[s.firstBadIndex()];
        String remedy = switch (v.kind) {
            case INPUT -> "clean the data before training: drop or impute rows with NaN/Inf (DataReport lists them)";
            case PARAM -> "an update broke this parameter: lower the learning rate, clip gradients, and let the"
                    + " optimiser refuse non-finite steps";
            default -> "fix the constant, or create it inside FiniteGuard.allowNonFinite(...) if it is a mask on purpose";
        };
        TensorSummary out = TensorSummary.of(v.name(), v.opName(), v.value, s.firstBadRow(), s.firstBadCol(), true);
        return new NanReport(Phase.FORWARD, v, Cause.NON_FINITE_INPUT, detail, remedy, s.firstBadRow(),
                s.firstBadCol(), -1, List.of(), null, out, List.of(), null, null, token);
    }

    static NanReport forward(Var v, Object token) {
        FiniteStats s = FiniteScan.scan(v.value);
        int r = s.firstBadRow(), c = s.firstBadCol();
        DMatrixRMaj[] xs = values(v);
        Diagnosis d = diagnose(v, new Fault(Phase.FORWARD, -1, v, xs, v.value, null, v.value, r, c));
        TensorSummary out = TensorSummary.of(v.name(), v.opName(), v.value, r, c, true);
        return new NanReport(Phase.FORWARD, v, d.cause(), d.detail(), d.remedy(), r, c, -1, inputSummaries(v, r, c),
                null, out, allowedInputs(v), null, null, token);
    }

    static NanReport backward(Var n, int i, DMatrixRMaj gi, Object token) {
        FiniteStats s = FiniteScan.scan(gi);
        int r = s.firstBadRow(), c = s.firstBadCol();
        DMatrixRMaj[] xs = values(n);
        Diagnosis d = diagnose(n, new Fault(Phase.BACKWARD, i, n, xs, n.value, n.grad, gi, r, c));
        boolean map = n.op.elementwise();
        TensorSummary up = TensorSummary.of("d loss / d " + n.name(), "upstream gradient", n.grad, r, c, map);
        TensorSummary out = TensorSummary.of("d loss / d " + n.parents[i].name(), "gradient to operand " + i, gi, r, c, true);
        List<String> path = new ArrayList<>();
        Var root = n;
        for (Var k = n; k != null; k = k.consumer) {
            path.add(step(k));
            root = k;
        }
        return new NanReport(Phase.BACKWARD, n, d.cause(), d.detail(), d.remedy(), r, c, i, inputSummaries(n, r, c),
                up, out, allowedInputs(n), path, root, token);
    }

    static NanReport accumulation(Var p, Var from, Object token) {
        FiniteStats s = FiniteScan.scan(p.grad);
        String detail = "the gradients reaching '" + p.name() + "' from its consumers (the last from '" + from.name()
                + "') are each finite but their sum left the double range at (" + s.firstBadRow() + ", "
                + s.firstBadCol() + ")";
        TensorSummary out = TensorSummary.of("d loss / d " + p.name(), "accumulated gradient", p.grad,
                s.firstBadRow(), s.firstBadCol(), true);
        List<String> path = new ArrayList<>();
        Var root = p;
        for (Var k = p; k != null; k = k.consumer) {
            path.add(step(k));
            root = k;
        }
        return new NanReport(Phase.BACKWARD, p, Cause.OVERFLOW, detail, Cause.OVERFLOW.remedy(), s.firstBadRow(),
                s.firstBadCol(), -1, List.of(), null, out, List.of(), path, root, token);
    }

    private static Diagnosis diagnose(Var v, Fault f) {
        try {
            return v.op.diagnose(f);
        } catch (RuntimeException e) {
            Diagnosis g = Diagnosis.generic(f);
            return Diagnosis.of(g.cause(), g.detail() + " (the op's own diagnosis failed: " + e + ")");
        }
    }

    private static DMatrixRMaj[] values(Var v) {
        DMatrixRMaj[] xs = new DMatrixRMaj[v.parents.length];
        for (int i = 0; i < xs.length; i++) xs[i] = v.parents[i].value;
        return xs;
    }

    private static List<TensorSummary> inputSummaries(Var v, int r, int c) {
        boolean map = v.op.elementwise();
        List<TensorSummary> list = new ArrayList<>(v.parents.length);
        for (Var p : v.parents) list.add(TensorSummary.of(p.name(), p.opName(), p.value, r, c, map));
        return Collections.unmodifiableList(list);
    }

    private static List<String> allowedInputs(Var v) {
        List<String> list = new ArrayList<>();
        for (Var p : v.parents) {
            if (p.nonFinite && p.allowReason != null) list.add("'" + p.name() + "' (" + p.allowReason + ")");
        }
        return Collections.unmodifiableList(list);
    }

    private static String counts(FiniteStats s) {
        List<String> parts = new ArrayList<>();
        if (s.nanCount() > 0) parts.add(s.nanCount() + " NaN");
        if (s.posInfCount() > 0) parts.add(s.posInfCount() + " +Inf");
        if (s.negInfCount() > 0) parts.add(s.negInfCount() + " -Inf");
        return String.join(", ", parts);
    }

    static String step(Var v) {
        return v.name() + " (" + v.opName() + ")";
    }

    // ---- growth in WARN mode ----------------------------------------------------------------

    void propagatedTo(Var v) {
        lastPropagated = v;
        propagatedCount++;
    }

    void hiddenBy(Var v) {
        if (hiders.size() < MAX_LISTED && !hiders.contains(v)) hiders.add(v);
    }

    void reached(Var leaf) {
        if (reached.size() < MAX_LISTED) reached.add(leaf.name());
    }

    // ---- accessors ---------------------------------------------------------------------------

    public Phase phase() { return phase; }
    /** The entry node's op short name, e.g. {@code "log"}; {@code "input"}/{@code "param"} for leaves. */
    public String op() { return op; }
    /** The entry node's name when the report was made. */
    public String label() { return label; }
    public Cause cause() { return cause; }
    /** The op's explanation with the operand values at the offending element. */
    public String detail() { return detail; }
    public String remedy() { return remedy; }
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
    /** Nodes that read this NaN/Inf and produced finite values, hiding it (names and ops). */
    public List<String> hiddenBy() {
        List<String> l = new ArrayList<>();
        for (Var v : hiders) l.add(step(v));
        return l;
    }
    /** Leaves (parameters, inputs) whose gradients this entry made non-finite. */
    public List<String> reachedGradients() { return List.copyOf(reached); }
    /** How many later nodes carried this NaN/Inf on (WARN mode). */
    public int propagationCount() { return propagatedCount; }
    /** The entry node itself, for tools that walk the graph. */
    public Var node() { return entry; }

    /**
     * The path from the entry point to the furthest output it reached, as {@code "name (op)"}: in
     * backward the chain of consumers up to the loss; in forward the nodes that carried the value on
     * (only the entry itself when THROW stopped there).
     */
    public List<String> path() {
        if (backwardPath != null) return backwardPath;
        List<String> path = new ArrayList<>();
        Var cur = lastPropagated;
        while (cur != null && cur != entry) {
            path.add(step(cur));
            // of the parents carrying this NaN, the newest: the first one found would skip the
            // branch between (exp -> div instead of exp -> sumRows -> div in exp(x)/sum(exp(x)))
            Var next = null;
            for (Var p : cur.parents) {
                if ((p == entry || (p.nonFinite && p.origin == this)) && (next == null || p.id > next.id)) next = p;
            }
            cur = next;
        }
        path.add(step(entry));
        Collections.reverse(path);
        return path;
    }

    /** The most downstream node this report knows of (the loss, in backward). */
    Var root() {
        if (backwardRoot != null) return backwardRoot;
        Var best = lastPropagated != null ? lastPropagated : entry;
        for (Var h : hiders) if (h.id > best.id) best = h;
        return best;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("NaN/Inf entry point (").append(phase).append("): ").append(op).append(" '").append(label).append("'");
        if (operand >= 0) sb.append(", gradient to operand ").append(operand).append(" '").append(operandLabel).append("'");
        sb.append("\n  cause:     ").append(cause).append(": ").append(cause.meaning());
        sb.append("\n  detail:    ").append(detail);
        sb.append("\n  created:   ").append(site);
        for (int i = 0; i < inputs.size(); i++) sb.append("\n  input ").append(i).append(":   ").append(inputs.get(i));
        if (upstream != null) sb.append("\n  upstream:  ").append(upstream);
        sb.append("\n  result:    ").append(output);
        if (!allowed.isEmpty()) sb.append("\n  allowed:   ").append(String.join(", ", allowed));
        sb.append("\n  path:      ").append(String.join(" -> ", path()));
        if (!hiders.isEmpty()) sb.append("\n  hidden by: ").append(String.join(", ", hiddenBy()))
                .append(" (read non-finite, produced finite: the NaN can return in backward)");
        if (!reached.isEmpty()) sb.append("\n  poisoned:  gradients of ").append(String.join(", ", reached));
        sb.append("\n  remedy:    ").append(remedy);
        return sb.toString();
    }

    /** A Graphviz graph of the computation: entry red, propagation orange, hiding nodes yellow. */
    public String toDot() {
        return ReportExport.dot(this);
    }

    /** The report as a JSON object. */
    public String toJson() {
        return ReportExport.json(this);
    }
}
