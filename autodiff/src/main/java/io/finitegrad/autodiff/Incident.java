package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.FiniteStats;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;

/**
 * The guard's own record of one entry point, made when a NaN/Inf first appears and grown in WARN
 * mode as later nodes propagate or hide it and gradients it reaches. Everything about the entry is
 * captured as values when it is made; later nodes are held weakly, so an incident never keeps a
 * graph alive. {@link #report} hands out an immutable {@link NanReport}.
 */
final class Incident {
    private static final int MAX_LISTED = 20;

    final Phase phase;
    final long entryId;
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
    /** An input's provenance, kept so a later report on the same leaf names the same origin; else null. */
    final Provenance provenance;
    /** Where the first bad element of an input came from in the data, or null. */
    final String origin;
    /** The guard scope that was innermost when this was recorded. */
    final Object scopeToken;
    /** The format the thread computed in when this was made: the report quotes its limits. */
    final Precision precision = Precision.current();
    /** Where the zero this entry divided by or logged rounded to 0 in the format ({@link Underflow}), or null. */
    String underflow;
    /** A leaf whose values overflowed as they were rounded into the format: its values before rounding, else null. */
    DMatrixRMaj roundedFrom;
    /** The leaf's {@link Var#version()} when {@link #roundedFrom} was taken. */
    int roundedVersion;
    private final WeakReference<Var> entry;
    /** Backward only: entry -> ... -> loss, as names and as (weakly held) nodes. */
    private final List<String> backwardPath;
    private final List<WeakReference<Var>> backwardNodes;

    private WeakReference<Var> lastPropagated;
    private int propagatedCount;
    private final List<WeakReference<Var>> hiders = new ArrayList<>();
    private final List<String> hiderSteps = new ArrayList<>();
    private final Set<Long> hiderIds = new LinkedHashSet<>();
    private final Set<String> reached = new LinkedHashSet<>();
    private final List<String> consequences = new ArrayList<>();
    /** An {@link #allowedGradient} not yet recorded: it is reported only once it reaches a parameter. */
    private boolean held;

    private Incident(Phase phase, Var entry, Cause cause, String detail, String remedy, int row, int col,
                     int operand, List<TensorSummary> inputs, TensorSummary upstream, TensorSummary output,
                     List<String> allowed, List<Var> backwardNodes, Object scopeToken) {
        this(phase, entry, cause, detail, remedy, row, col, operand, inputs, upstream, output, allowed, backwardNodes,
                scopeToken, null, null);
    }

    /** As above, for an input whose rows have a {@link Provenance} and whose first bad element has an {@code origin}. */
    private Incident(Phase phase, Var entry, Cause cause, String detail, String remedy, int row, int col,
                     int operand, List<TensorSummary> inputs, TensorSummary upstream, TensorSummary output,
                     List<String> allowed, List<Var> backwardNodes, Object scopeToken, Provenance provenance,
                     String origin) {
        this.phase = phase;
        this.entryId = entry.id;
        this.entry = new WeakReference<>(entry);
        this.op = entry.opName();
        this.label = ReportNames.of(entry);
        this.cause = cause;
        this.detail = detail;
        this.remedy = remedy;
        // Forward reports are made while the user's frame is still on the stack, so without a
        // recorded creation site the live stack names the line that made (or read) the node.
        this.site = entry.site != null || phase == Phase.BACKWARD ? entry.site() : Site.format(Site.capture());
        this.row = row;
        this.col = col;
        this.operand = operand;
        this.operandLabel = operand >= 0 ? ReportNames.of(entry.parent(operand)) : null;
        this.inputs = inputs;
        this.upstream = upstream;
        this.output = output;
        this.allowed = allowed;
        this.scopeToken = scopeToken;
        this.provenance = provenance;
        this.origin = origin;
        if (backwardNodes == null) {
            this.backwardPath = null;
            this.backwardNodes = null;
        } else {
            List<String> steps = new ArrayList<>(backwardNodes.size());
            List<WeakReference<Var>> refs = new ArrayList<>(backwardNodes.size());
            for (Var k : backwardNodes) {
                steps.add(step(k));
                refs.add(new WeakReference<>(k));
            }
            this.backwardPath = Collections.unmodifiableList(steps);
            this.backwardNodes = refs;
        }
    }

    // ---- construction (by the guard) --------------------------------------------------------

    /**
     * A bad leaf; {@code provenance} (or null) says which rows of the data an input's rows are, and
     * {@code exact} (or null) holds its values before they were rounded into an emulated format.
     */
    static Incident leaf(Var v, Provenance provenance, Object token, DMatrixRMaj exact) {
        FiniteStats s = FiniteScan.scan(v.value);
        String what = v.kind == Var.Kind.INPUT ? "input" : v.kind == Var.Kind.PARAM ? "parameter" : "constant";
        String origin = provenance == null ? null : provenance.describe(s.firstBadRow(), s.firstBadCol());
        String detail = what + " '" + ReportNames.of(v) + "' holds " + s.nonFiniteCounts() + "; first at (" + s.firstBadRow() + ", "
                + s.firstBadCol() + ") = " + v.value.data[s.firstBadIndex()] + (origin == null ? "" : ", from " + origin);
        String start = origin == null ? "" : "; start with " + provenance.describe(s.firstBadRow(), -1);
        TensorSummary out = TensorSummary.of(ReportNames.of(v), v.opName(), v.value, s.firstBadRow(), s.firstBadCol(), true);
        double before = exact == null ? Double.NaN : exact.data[s.firstBadIndex()];
        if (Double.isFinite(before)) {
            // the data is finite: rounding it into the format overflowed, which is no NaN in the data
            Precision p = Precision.current();
            String range = p.label() + "'s range (largest finite " + InFormat.number(p.maxFinite()) + ")";
            String fix = switch (v.kind) {
                case INPUT -> "scale the data into " + range + " before it enters the graph (standardise it)";
                case PARAM -> "keep the parameter within " + range;
                default -> "use a constant within " + range;
            };
            Incident r = new Incident(Phase.FORWARD, v, Cause.OVERFLOW, detail + ": the " + (v.kind == Var.Kind.INPUT ? "data"
                    : "value") + " there is " + before + ", and rounded to " + p.label() + " it overflows: largest finite "
                    + InFormat.number(p.maxFinite()), fix + ", or compute in a format with float32's range (bfloat16,"
                    + " float32)" + start, s.firstBadRow(), s.firstBadCol(), -1, List.of(), null, out, List.of(), null,
                    token, provenance, origin);
            r.roundedFrom = exact;
            r.roundedVersion = v.version();
            return r;
        }
        String remedy = switch (v.kind) {
            case INPUT -> "clean the data before training: drop or impute rows with NaN/Inf";
            case PARAM -> "an update broke this parameter: lower the learning rate, clip gradients, and let the"
                    + " optimiser refuse non-finite steps";
            default -> "fix the constant, or create it inside FiniteGuard.allowNonFinite(...) if it is a mask on purpose";
        } + start;
        return new Incident(Phase.FORWARD, v, Cause.NON_FINITE_INPUT, detail, remedy, s.firstBadRow(),
                s.firstBadCol(), -1, List.of(), null, out, List.of(), null, token, provenance, origin);
    }

    /**
     * The values a rescan of leaf {@code v} should be told it had before rounding: this incident's,
     * while the leaf is unchanged since, else null.
     */
    DMatrixRMaj roundedFrom(Var v) {
        return roundedFrom != null && v.id == entryId && v.version() == roundedVersion ? roundedFrom : null;
    }

    /**
     * Op node {@code v} went non-finite because it read an operand that is a float64 master
     * parameter whose rounded copy (what ops read under emulation) overflowed, though the master is
     * finite: the parameter is the entry. Returns null when no operand is such a parameter.
     */
    static Incident roundedParameter(Var v, PrecisionState ps, Object token) {
        if (!ps.emulating() || ps.roundParameters()) return null;
        for (Var p : v.parents) {
            if (p.kind != Var.Kind.PARAM) continue;
            DMatrixRMaj read = p.operand(ps);
            if (FiniteScan.allFinite(read) || !FiniteScan.allFinite(p.value)) continue;
            FiniteStats s = FiniteScan.scan(read);
            int k = s.firstBadIndex();
            Precision f = ps.precision();
            String detail = "parameter '" + ReportNames.of(p) + "' is finite, but ops read it rounded to " + f.label()
                    + ", and its rounded copy holds " + s.nonFiniteCounts() + "; first at (" + s.firstBadRow() + ", "
                    + s.firstBadCol() + "): the float64 master holds " + p.value.data[k] + " there, and rounded to "
                    + f.label() + " it overflows: largest finite " + InFormat.number(f.maxFinite()) + "; "
                    + v.opName() + " '" + ReportNames.of(v) + "' read it";
            TensorSummary out = TensorSummary.of(ReportNames.of(p) + " (rounded)", p.opName(), read, s.firstBadRow(),
                    s.firstBadCol(), true);
            return new Incident(Phase.FORWARD, p, Cause.OVERFLOW, detail, "keep the parameter within " + f.label()
                    + "'s range (an update grew it: lower the learning rate, clip gradients), or compute in a format with"
                    + " float32's range (bfloat16, float32)", s.firstBadRow(), s.firstBadCol(), -1, List.of(), null, out,
                    List.of(), null, token);
        }
        return null;
    }

    /**
     * An op node's entry; {@code at} is the row-major index of the element to diagnose (the first
     * one not carried from an allowed operand), or -1 for the first non-finite one.
     */
    static Incident forward(Var v, GuardMarks marks, Object token, int at) {
        int r, c;
        if (at >= 0) {
            r = at / v.value.numCols;
            c = at % v.value.numCols;
        } else {
            FiniteStats s = FiniteScan.scan(v.value);
            r = s.firstBadRow();
            c = s.firstBadCol();
        }
        Diagnosis d = unseenOperand(v, marks, diagnose(v, fault(Phase.FORWARD, -1, v, null, v.value, r, c)));
        if (d.cause() == Cause.INF_MINUS_INF && at >= 0 && v.op.elementwise()) d = maskedInfinities(v, marks, d, r, c);
        String flushed = Underflow.find(v, d.cause(), r, c);
        if (flushed != null) d = Underflow.diagnosis(d);
        TensorSummary out = TensorSummary.of(ReportNames.of(v), v.opName(), v.value, r, c, true);
        Incident made = new Incident(Phase.FORWARD, v, d.cause(), d.detail(), remedy(v, d), r, c, -1,
                inputSummaries(v, r, c), null, out, allowedInputs(v, marks), null, token);
        made.underflow = flushed;
        return made;
    }

    static Incident backward(Var n, int i, DMatrixRMaj gi, GuardMarks marks, List<Var> toRoot, Object token) {
        return backward(n, i, gi, marks, toRoot, token, null);
    }

    /**
     * The non-finite gradient that node {@code n}'s vjp made from its own allowed NaN (a masked-out
     * row times a zero gradient): held, not recorded, until it reaches a parameter, because the
     * allow-list covers values, not the gradients they send to parameters. {@code allowReason} is
     * the mark on {@code n}'s value.
     */
    static Incident allowedGradient(Var n, int i, DMatrixRMaj gi, String allowReason, GuardMarks marks,
                                    List<Var> toRoot, Object token) {
        return backward(n, i, gi, marks, toRoot, token, allowReason);
    }

    private static Incident backward(Var n, int i, DMatrixRMaj gi, GuardMarks marks, List<Var> toRoot, Object token,
                                     String allowReason) {
        FiniteStats s = FiniteScan.scan(gi);
        int r = s.firstBadRow(), c = s.firstBadCol();
        DMatrixRMaj g = n.gradient();
        Diagnosis d = unseenOperand(n, marks, diagnose(n, fault(Phase.BACKWARD, i, n, g, gi, r, c)));
        if (allowReason != null) d = fromAllowedValue(n, i, d, allowReason, r, c);
        // the backward element is one of operand i's: the operands are read there as the forward read them
        String flushed = n.op.elementwise() ? Underflow.find(n, d.cause(), r, c) : null;
        if (flushed != null) d = Underflow.diagnosis(d);
        boolean map = n.op.elementwise();
        TensorSummary up = TensorSummary.of("d loss / d " + ReportNames.of(n), "upstream gradient", g, r, c, map);
        TensorSummary out = TensorSummary.of("d loss / d " + ReportNames.of(n.parents[i]), "gradient to operand " + i, gi, r, c, true);
        Incident made = new Incident(Phase.BACKWARD, n, d.cause(), d.detail(), remedy(n, d), r, c, i,
                inputSummaries(n, r, c), up, out, allowedInputs(n, marks), toRoot, token);
        made.held = allowReason != null;
        made.underflow = flushed;
        return made;
    }

    /** What only the guard knows about a gradient made non-finite by an allowed value: the mark and why it is reported. */
    private static Diagnosis fromAllowedValue(Var n, int i, Diagnosis d, String allowReason, int r, int c) {
        String detail = d.detail() + "; '" + ReportNames.of(n) + "' is NaN here by allowNonFinite (" + allowReason + "), and its"
                + " gradient to '" + ReportNames.of(n.parents[i]) + "' at (" + r + ", " + c + ") is NaN with it: the allow-list"
                + " covers values, not the gradients that carry them to parameters";
        String remedy = d.cause() != Cause.NON_FINITE_INPUT ? d.remedy()
                : "replace the allowed NaN/Inf by a finite value before it meets a parameter (where(mask, x, 0) on the"
                        + " input, the double-where fix): a mask applied after the op zeroes the value, not the NaN its"
                        + " gradient is multiplied by";
        return new Diagnosis(d.cause(), detail, remedy);
    }

    static Incident accumulation(Var p, Var from, List<Var> toRoot, Object token) {
        DMatrixRMaj g = p.gradient();
        FiniteStats s = FiniteScan.scan(g);
        // a leaf's gradient sum stays float64; an op node's is a tensor of the emulated format
        Precision in = p.op == null ? Precision.FLOAT64 : Precision.current();
        String detail = "the gradients reaching '" + ReportNames.of(p) + "' from its consumers (the last from '" + ReportNames.of(from)
                + "') are each finite but their sum left " + InFormat.range(in) + " at (" + s.firstBadRow() + ", "
                + s.firstBadCol() + ")";
        int calls = p.backwardCalls();
        String remedy = Cause.OVERFLOW.remedy(in);
        if (calls > 1) {
            detail += ": the gradients accumulated over " + calls + " backward calls since the last zeroGrad()";
            remedy = "call zeroGrad() (optimizer.zeroGrad()) before each backward: a gradient sums every backward"
                    + " call until it is zeroed";
        }
        TensorSummary out = TensorSummary.of("d loss / d " + ReportNames.of(p), "accumulated gradient", g,
                s.firstBadRow(), s.firstBadCol(), true);
        return new Incident(Phase.BACKWARD, p, Cause.OVERFLOW, detail, remedy, s.firstBadRow(),
                s.firstBadCol(), -1, List.of(), null, out, List.of(), toRoot, token);
    }

    /** The fault as the op saw it: its operands as it read them (a master parameter's rounded copy under emulation). */
    private static Fault fault(Phase phase, int operand, Var v, DMatrixRMaj g, DMatrixRMaj bad, int r, int c) {
        int n = v.parents.length;
        PrecisionState ps = PrecisionState.get();
        DMatrixRMaj[] xs = new DMatrixRMaj[n];
        String[] names = new String[n];
        String[] ops = new String[n];
        for (int i = 0; i < n; i++) {
            xs[i] = v.parents[i].operand(ps);
            names[i] = ReportNames.of(v.parents[i]);
            ops[i] = v.parents[i].opName();
        }
        return new Fault(phase, operand, v.opName(), ReportNames.of(v), names, ops, xs, v.value, g, bad, r, c,
                ps.precision());
    }

    /**
     * An operand passed on a NaN/Inf the guard never marked (in forward or in backward): say how it
     * got past the guard, which only the guard knows. An operand the guard checked finite was
     * written afterwards, and its maker is not to blame: any op or code holding its storage may have.
     */
    private static Diagnosis unseenOperand(Var v, GuardMarks marks, Diagnosis d) {
        if (d.cause() != Cause.NON_FINITE_INPUT) return d;
        for (Var p : v.parents) {
            if (marks.value(p) != null || FiniteScan.allFinite(p.value)) continue;
            if (p.unguarded) {
                return new Diagnosis(d.cause(), d.detail() + "; '" + ReportNames.of(p) + "' was made while the guard was OFF,"
                        + " so nothing checked it", d.remedy());
            }
            FiniteStats s = FiniteScan.scan(p.value);
            String held = "'" + ReportNames.of(p) + "' holds " + p.value.data[s.firstBadIndex()];
            if (p.op == null) {
                return new Diagnosis(d.cause(), d.detail() + "; " + held + " that no guarded op made: its storage was"
                        + " changed through read() or EJML after it was checked",
                        "modify '" + ReportNames.of(p) + "' only through write(), which the guard rescans (and backward refuses"
                                + " values written after the forward pass read them); read() is for reading");
            }
            return new Diagnosis(d.cause(), d.detail() + "; " + held + ", but it was finite when '" + ReportNames.of(p) + "' ("
                    + p.opName() + ") was created and checked; its storage was written afterwards \u2014 by an op that"
                    + " modified its operand, or by code holding its storage",
                    "let every op (custom ops too) return a fresh matrix and never write its operands or a matrix it"
                            + " returned, and do not write into storage handed out by read()");
        }
        return d;
    }

    /**
     * Infinities that cancel where an allowed operand is infinite are a mask's, not an overflow's:
     * a row masked everywhere, shifted by its own -Inf maximum.
     */
    private static Diagnosis maskedInfinities(Var v, GuardMarks marks, Diagnosis d, int r, int c) {
        for (Var p : v.parents) {
            GuardMarks.Mark m = marks.value(p);
            if (m == null || m.allowReason() == null || Double.isFinite(Fault.at(p.value, r, c))) continue;
            return d.withRemedy("the infinities here are allowed values ('" + ReportNames.of(p) + "': " + m.allowReason()
                    + "), and they cancel where every entry is masked: skip rows with no unmasked entry, or mask with"
                    + " a large finite negative value (" + InFormat.mask(Precision.current()) + ") instead of -Infinity");
        }
        return d;
    }

    private static Diagnosis diagnose(Var v, Fault f) {
        try {
            return v.op.diagnose(f);
        } catch (RuntimeException e) {
            Diagnosis g = Diagnosis.generic(f);
            return Diagnosis.of(g.cause(), g.detail() + " (the op's own diagnosis failed: " + e + ")");
        }
    }

    /** The remedy stated by the library code that made {@code v} ({@link Hint}), else the op's own. */
    private static String remedy(Var v, Diagnosis d) {
        return Hint.Chain.remedy(v.hints, d.cause(), d.remedy());
    }

    private static List<TensorSummary> inputSummaries(Var v, int r, int c) {
        boolean map = v.op.elementwise();
        PrecisionState ps = PrecisionState.get();
        List<TensorSummary> list = new ArrayList<>(v.parents.length);
        for (Var p : v.parents) list.add(TensorSummary.of(ReportNames.of(p), p.opName(), p.operand(ps), r, c, map));
        return Collections.unmodifiableList(list);
    }

    private static List<String> allowedInputs(Var v, GuardMarks marks) {
        List<String> list = new ArrayList<>();
        for (Var p : v.parents) {
            GuardMarks.Mark m = marks.value(p);
            if (m != null && m.allowReason() != null) list.add("'" + ReportNames.of(p) + "' (" + m.allowReason() + ")");
        }
        return Collections.unmodifiableList(list);
    }

    static String step(Var v) {
        return ReportNames.of(v) + " (" + v.opName() + ")";
    }

    // ---- growth in WARN mode ----------------------------------------------------------------

    void propagatedTo(Var v) {
        lastPropagated = new WeakReference<>(v);
        propagatedCount++;
    }

    void hiddenBy(Var v) {
        if (hiders.size() < MAX_LISTED && hiderIds.add(v.id)) {
            hiders.add(new WeakReference<>(v));
            hiderSteps.add(step(v));
        }
    }

    /**
     * The entry's infinite value came back in backward as a non-finite gradient from {@code n} to
     * its operand {@code i} (1/0 after log(0), or 0 * Inf behind a mask): one root cause, so it is
     * described here with the op's diagnosis instead of being reported as a second entry.
     */
    void consequence(Var n, int i, DMatrixRMaj gi) {
        if (consequences.size() >= MAX_LISTED) return;
        FiniteStats s = FiniteScan.scan(gi);
        Diagnosis d = diagnose(n, fault(Phase.BACKWARD, i, n, n.gradient(), gi, s.firstBadRow(), s.firstBadCol()));
        consequences.add("backward through " + n.opName() + " '" + ReportNames.of(n) + "', gradient to operand " + i + " '"
                + ReportNames.of(n.parents[i]) + "': " + d.cause() + ": " + d.detail() + "; remedy: " + remedy(n, d));
    }

    /** True while this is an allowed gradient that has reached no parameter, so nobody was told of it. */
    boolean held() {
        return held;
    }

    /** Marks a held incident as reported; returns whether it was held (so it is recorded once). */
    boolean release() {
        boolean was = held;
        held = false;
        return was;
    }

    void reached(Var leaf) {
        if (reached.size() < MAX_LISTED) reached.add(ReportNames.of(leaf));
    }

    // ---- handing out ---------------------------------------------------------------------------

    /** An immutable report of this incident as it stands now, with a snapshot of the nodes it describes. */
    NanReport report(GuardMarks marks) {
        Var e = entry.get();
        List<Var> pathNodes = pathNodes(e, marks);
        List<String> path;
        if (backwardPath != null) {
            path = backwardPath;
        } else {
            List<String> steps = new ArrayList<>(pathNodes.size());
            for (Var v : pathNodes) steps.add(step(v));
            if (steps.isEmpty()) steps.add(label + " (" + op + ")"); // the entry itself was collected
            path = Collections.unmodifiableList(steps);
        }
        List<Var> hiding = new ArrayList<>();
        for (WeakReference<Var> h : hiders) {
            Var v = h.get();
            if (v != null) hiding.add(v);
        }
        return new NanReport(this, path, List.copyOf(hiderSteps), List.copyOf(reached), List.copyOf(consequences),
                propagatedCount,
                ReportGraph.snapshot(this, e, pathNodes, hiding, marks));
    }

    /** The nodes from the entry to the furthest output it reached that are still alive. */
    private List<Var> pathNodes(Var e, GuardMarks marks) {
        List<Var> nodes = new ArrayList<>();
        if (backwardNodes != null) {
            for (WeakReference<Var> w : backwardNodes) {
                Var v = w.get();
                if (v != null) nodes.add(v);
            }
            return nodes;
        }
        if (e == null) return nodes;
        Var cur = lastPropagated == null ? null : lastPropagated.get();
        while (cur != null && cur != e) {
            nodes.add(cur);
            // of the parents carrying this NaN, the newest: the first one found would skip the
            // branch between (exp -> div instead of exp -> sumRows -> div in exp(x)/sum(exp(x)))
            Var next = null;
            for (Var p : cur.parents) {
                if (p != e) {
                    GuardMarks.Mark m = marks.value(p);
                    if (m == null || m.incident() != this) continue;
                }
                if (next == null || p.id > next.id) next = p;
            }
            cur = next;
        }
        nodes.add(e);
        Collections.reverse(nodes);
        return nodes;
    }
}
