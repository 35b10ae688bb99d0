package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.core.FiniteScan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * The finiteness guard: every node checks its value when it is created and every gradient it sends
 * to a parent during backward, and the first place a NaN/Inf appears from finite operands (the
 * <em>entry point</em>) is reported with its cause. Nodes that merely pass a NaN on are
 * <em>propagation</em>; nodes that read non-finite values but produce finite ones (a mask, a clamp,
 * exp(-inf)) are <em>disappearance</em> and are listed in the report of the entry they hide.
 *
 * <p>The guard is generic: it scans, decides entry vs propagation vs disappearance, and asks the
 * node's {@link Op} for the cause. Modes are per thread and scoped:
 *
 * <pre>{@code
 * try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
 *     ... build and backprop ...
 *     g.reports().forEach(System.out::println);
 * }
 * }</pre>
 *
 * THROW (the default) stops at the entry point with a {@link NonFiniteException}; WARN records
 * every entry and keeps computing; OFF performs no checks at all.
 *
 * <p>The guard owns its state: its marks on non-finite nodes and its records of incidents live in
 * per-thread structures that hold nodes weakly and stay empty while everything is finite, so the
 * happy path costs one scan per tensor and no lookups.
 */
public final class FiniteGuard {
    /** How the guard reacts to an entry point. */
    public enum Mode { THROW, WARN, OFF }

    private static final String DERIVED = "derived from ";

    private FiniteGuard() {
    }

    /** Switches this thread's mode until the returned scope is closed. */
    public static Scope mode(Mode mode) {
        if (mode == null) throw new IllegalArgumentException("FiniteGuard.mode: mode is null");
        return new Scope(GuardState.get(), mode);
    }

    /**
     * How many entry points (first NaN/Inf of a chain) the guard has recorded on this thread, in
     * any mode: a loop that recycles a step's buffers compares it before and after the step, and
     * keeps the buffers of a step whose incidents a report may still read.
     */
    public static long incidentCount() {
        return GuardState.get().recorded();
    }

    /** This thread's current mode. */
    public static Mode currentMode() {
        return GuardState.get().mode();
    }

    /**
     * Leaves created until the returned scope closes may hold non-finite values on purpose (a -Inf
     * attention mask, however its tensor was built): they are <em>marked</em> with the reason. An
     * element is allowed when it is a marked value or a non-finite value propagated from one (-Inf
     * + x, max with -Inf), in or out of the scope. Everything else is reported as anywhere else: an
     * op made inside the scope that makes NaN/Inf from finite operands (a {@code w.div(w)} 0/0), and
     * a NaN made from a marked value (-Inf - -Inf, 0 * -Inf), whose report names the mark's reason.
     * The allowance covers values, not parameter gradients: a non-finite gradient that an allowed
     * value sends on to a parameter is reported (backward, where the gradient first went non-finite).
     *
     * @throws IllegalArgumentException if the reason is null or blank
     */
    public static GuardScope allowNonFinite(String reason) {
        if (reason == null || reason.isBlank()) throw new IllegalArgumentException("allowNonFinite: give a reason");
        GuardState st = GuardState.get();
        String previous = st.swapAllowReason(reason);
        return new GuardScope(() -> st.swapAllowReason(previous));
    }

    /**
     * Turns recording of the user-code creation site on or off for this thread (on by default);
     * returns a scope that restores the previous setting. Off saves a short stack walk per node.
     */
    public static GuardScope captureSites(boolean on) {
        GuardState st = GuardState.get();
        boolean previous = st.swapCaptureSites(on);
        return new GuardScope(() -> st.swapCaptureSites(previous));
    }

    /**
     * Until the returned scope closes, frames of classes in these packages (and their subpackages)
     * are passed over, as finitegrad's own frames are, when the guard looks for the user code that
     * created a node: for a harness that calls user code back (a property-test runner) and is no
     * more the place to fix than the library is. The JDK's frames are always passed over.
     *
     * @throws IllegalArgumentException if a package name is null or blank
     */
    public static GuardScope passOverFrames(String... packages) {
        String[] prefixes = new String[packages.length];
        for (int i = 0; i < packages.length; i++) {
            if (packages[i] == null || packages[i].isBlank()) throw new IllegalArgumentException("passOverFrames: a package name is blank");
            prefixes[i] = packages[i].endsWith(".") ? packages[i] : packages[i] + ".";
        }
        GuardState st = GuardState.get();
        String[] previous = st.swapPassOver(prefixes);
        return new GuardScope(() -> st.swapPassOver(previous));
    }

    /** A mode switch; closing it restores the previous mode and hands its reports to any enclosing scope. */
    public static final class Scope implements AutoCloseable {
        private final GuardState state;
        private final Mode previousMode;
        private final List<Incident> previousSink;
        private final Object previousToken;
        private final long startChecks;
        private final List<Incident> mine = new ArrayList<>();
        private long endChecks = -1;

        private Scope(GuardState state, Mode mode) {
            this.state = state;
            this.previousMode = state.mode();
            this.previousSink = state.sink();
            this.previousToken = state.sinkToken();
            this.startChecks = state.checks();
            state.guardScope(mode, mine, new Object());
        }

        /**
         * Entry points recorded in this scope (WARN mode), in the order they happened, as they stand
         * now: read again for propagation and gradients recorded since.
         */
        public List<NanReport> reports() {
            if (mine.isEmpty()) return List.of();
            List<NanReport> list = new ArrayList<>(mine.size());
            for (Incident i : mine) list.add(i.report(state.marks()));
            return Collections.unmodifiableList(list);
        }

        /** How many tensors the guard checked in this scope (0 under OFF). */
        public long checks() {
            return (endChecks >= 0 ? endChecks : state.checks()) - startChecks;
        }

        /** Restores the previous mode; throws nothing. */
        @Override
        public void close() {
            if (endChecks >= 0) return;
            endChecks = state.checks();
            state.guardScope(previousMode, previousSink, previousToken);
            if (previousSink != null) previousSink.addAll(mine);
        }
    }

    // ---- reports handed to Var ---------------------------------------------------------------

    static NanReport valueReport(Var v) {
        GuardMarks marks = GuardState.get().marks();
        GuardMarks.Mark m = marks.value(v);
        return m == null || m.incident() == null ? null : m.incident().report(marks);
    }

    static NanReport gradientReport(Var v) {
        GuardMarks marks = GuardState.get().marks();
        GuardMarks.Mark m = marks.gradient(v);
        return m == null || m.incident() == null || m.incident().held() ? null : m.incident().report(marks);
    }

    static void gradientZeroed(Var v) {
        GuardState.get().marks().clearGradient(v);
    }

    /** A detached copy carries the original's value mark (and so its report and allow reason). */
    static void detached(Var from, Var copy, GuardState st) {
        if (st.marks().anyValues()) st.marks().copyValueMark(from, copy);
    }

    // ---- the checks (called by Var and Backprop) ----------------------------------------------

    /** A new leaf, under this thread's allow reason; {@code provenance} (or null) says where an input's rows came from. */
    static void checkLeaf(Var v, GuardState st, Provenance provenance) {
        scanLeaf(v, st, st.allowReason(), provenance, null);
    }

    /**
     * A new leaf whose values went non-finite as they were rounded into the emulated format;
     * {@code exact} holds them before rounding, so the report can tell an overflow of the format
     * from NaN/Inf in the data.
     */
    static void checkRoundedLeaf(Var v, GuardState st, Provenance provenance, DMatrixRMaj exact) {
        scanLeaf(v, st, st.allowReason(), provenance, exact);
    }

    private static void scanLeaf(Var v, GuardState st, String allowReason, Provenance provenance) {
        scanLeaf(v, st, allowReason, provenance, null);
    }

    /** A leaf at creation, and when an op reads it after its storage was handed out or while it is bad. */
    private static void scanLeaf(Var v, GuardState st, String allowReason, Provenance provenance, DMatrixRMaj exact) {
        if (!st.on()) return;
        st.countCheck();
        GuardMarks marks = st.marks();
        marks.scanned(v);
        if (FiniteScan.allFinite(v.value)) {
            marks.clearValue(v);
            return;
        }
        if (allowReason != null) {
            marks.markValue(v, null, allowReason);
            return;
        }
        // WARN reports a bad leaf once per scope; THROW stops at every use
        GuardMarks.Mark old = marks.value(v);
        if (st.mode() == Mode.WARN && old != null && old.incident() != null && old.incident().scopeToken == st.sinkToken()) {
            return;
        }
        // a rescan (a later scope reading the leaf) keeps the provenance given when it was made
        Provenance from = provenance != null || old == null || old.incident() == null ? provenance : old.incident().provenance;
        DMatrixRMaj before = exact != null || old == null || old.incident() == null ? exact : old.incident().roundedFrom(v);
        Incident r = Incident.leaf(v, from, st.sinkToken(), before);
        marks.markValue(v, r, null);
        st.record(r);
    }

    /**
     * A new op node: entry, propagation, disappearance or nothing. {@code finite} is whether its
     * value is all finite, which {@link Var#apply} found in the pass that rounded it.
     */
    /**
     * True if {@code op}'s output from {@code parents} is finite without a scan: the op keeps
     * finite values finite, and every operand is an op node the guard checked (made with it on)
     * while no node of this thread is marked non-finite. Leaves are scanned instead: one may have
     * been written since its last check.
     */
    static boolean provenFinite(Op op, Var[] parents, GuardState st) {
        if (!op.finiteFromFinite() || st.marks().anyValues()) return false;
        for (Var p : parents) if (p.op == null || p.unguarded) return false;
        return true;
    }

    static void checkForward(Var v, GuardState st, boolean finite) {
        if (!st.on()) return;
        st.countCheck();
        GuardMarks marks = st.marks();
        GuardMarks.Mark bad = null;
        Var allowedBad = null;
        GuardMarks.Mark allowedMark = null;
        for (Var p : v.parents) {
            if (p.op == null) {
                if (marks.stale(p)) {
                    GuardMarks.Mark m = marks.value(p);
                    scanLeaf(p, st, m == null ? null : m.allowReason(), null);
                } else if (marks.anyValues()) {
                    GuardMarks.Mark m = marks.value(p);
                    if (m != null && m.allowReason() == null) scanLeaf(p, st, null, null);
                }
            }
            if (!marks.anyValues()) continue; // the happy path: no node of this thread is non-finite
            GuardMarks.Mark m = marks.value(p);
            if (m == null) continue;
            if (m.allowReason() != null) {
                if (allowedBad == null) {
                    allowedBad = p;
                    allowedMark = m;
                }
            } else if (bad == null) bad = m;
        }
        if (finite) {
            if (bad != null && bad.incident() != null) bad.incident().hiddenBy(v);
            return;
        }
        if (bad != null) {
            marks.markValue(v, bad.incident(), null);
            if (bad.incident() != null) bad.incident().propagatedTo(v);
            return;
        }
        if (st.precision().emulating() && roundedParameterOverflow(v, st)) return;
        // Only leaves made inside an allow scope are marked; an op node is allowed only where its
        // non-finite values propagate marked ones, even inside the scope (a w / w there is an entry)
        int fresh = allowedBad == null ? -1 : firstNew(v, marks);
        if (allowedBad != null && fresh < 0) {
            // keep the user's reason and the marked node, so a NaN further on can name the mask
            String reason = allowedMark.allowReason();
            marks.markValue(v, null, reason.startsWith(DERIVED) ? reason
                    : DERIVED + "'" + ReportNames.of(allowedBad) + "': " + reason);
            return;
        }
        // beside allowed values the entry is the first new element, not the first non-finite one
        Incident r = Incident.forward(v, marks, st.sinkToken(), fresh);
        marks.markValue(v, r, null);
        st.record(r);
    }

    /**
     * Op node {@code v} read a float64 master parameter whose rounded copy overflowed: the parameter
     * is the entry (reported once per WARN scope) and {@code v} carries it on. Returns whether it was so.
     */
    private static boolean roundedParameterOverflow(Var v, GuardState st) {
        Incident r = Incident.roundedParameter(v, st.precision(), st.sinkToken());
        if (r == null) return false;
        boolean known = false;
        if (st.mode() == Mode.WARN && st.sink() != null) {
            for (Incident earlier : st.sink()) {
                if (earlier.entryId == r.entryId && earlier.scopeToken == st.sinkToken() && earlier.cause == r.cause) {
                    r = earlier;
                    known = true;
                    break;
                }
            }
        }
        st.marks().markValue(v, r, null);
        if (!known) st.record(r); // THROW stops here
        r.propagatedTo(v);
        return true;
    }

    /**
     * The first element (row-major index) of v's non-finite values that no marked operand carried,
     * or -1 if every one is carried. For an elementwise op an element is carried when a marked
     * operand is non-finite under it (NaN under a NaN); other ops are judged by whether v holds a
     * NaN while no marked operand holds one, and then the first NaN is the new element.
     */
    private static int firstNew(Var v, GuardMarks marks) {
        return v.op.elementwise() ? firstUncarried(v, marks) : firstNewNaN(v, marks);
    }

    private static int firstUncarried(Var v, GuardMarks marks) {
        // the marked operands, looked up once: a masked attention comes through here every step
        DMatrixRMaj[] marked = new DMatrixRMaj[v.parents.length];
        int m = 0;
        for (Var p : v.parents) if (marks.value(p) != null) marked[m++] = p.value;
        DMatrixRMaj y = v.value;
        for (int r = 0; r < y.numRows; r++) {
            for (int c = 0; c < y.numCols; c++) {
                double e = y.data[r * y.numCols + c];
                if (Double.isFinite(e)) continue;
                boolean carried = false;
                for (int k = 0; k < m && !carried; k++) {
                    double x = Fault.at(marked[k], r, c);
                    if (!Double.isFinite(x) && (!Double.isNaN(e) || Double.isNaN(x))) carried = true;
                }
                if (!carried) return r * y.numCols + c;
            }
        }
        return -1;
    }

    private static int firstNewNaN(Var v, GuardMarks marks) {
        if (FiniteScan.scan(v.value).nanCount() == 0) return -1;
        for (Var p : v.parents) if (marks.value(p) != null && FiniteScan.scan(p.value).nanCount() > 0) return -1;
        double[] y = v.value.data;
        for (int k = 0, n = v.value.getNumElements(); k < n; k++) if (Double.isNaN(y[k])) return k;
        return -1;
    }

    /**
     * The gradient {@code gi} that node {@code n} sends to parent {@code i}. Returns whether it is
     * finite; if it is not, the parent's gradient is marked non-finite.
     */
    static boolean checkGradient(Var n, int i, DMatrixRMaj gi, GuardState st, SweepPath sweep) {
        st.countCheck();
        GuardMarks marks = st.marks();
        // no gradient of this thread is marked, so n's own gradient was checked finite: an op that
        // keeps finite values finite sends finite gradients on, and the scan would find nothing
        if (n.op.finiteFromFinite() && !marks.anyGradients()) return true;
        Var p = n.parents[i];
        GuardMarks.Mark own = marks.gradient(n);
        if (FiniteScan.allFinite(gi)) {
            if (own != null && own.incident() != null) own.incident().hiddenBy(n);
            return true;
        }
        Incident origin;
        if (own != null) {
            origin = own.incident();
        } else {
            GuardMarks.Mark badParent = null;
            if (marks.anyValues()) {
                for (Var q : n.parents) {
                    GuardMarks.Mark m = marks.value(q);
                    if (m != null && m.allowReason() == null) {
                        badParent = m;
                        break;
                    }
                }
            }
            GuardMarks.Mark ownValue = marks.value(n);
            if (badParent != null) {
                origin = badParent.incident(); // a forward NaN flowing on into the gradients
            } else if (ownValue != null && onlyWhereOwnValueIs(n.value, gi, ownValue.incident() != null)) {
                // its own NaN output (reported, or allowed) read by its vjp; or the infinite
                // derivative of a reported entry's infinite value (log(0) = -Inf, then 1/0): one root cause
                origin = ownValue.incident();
                if (origin != null && !onlyWhereOwnValueIs(n.value, gi, false)) origin.consequence(n, i, gi);
                // an allowed NaN read by the vjp: reported only if it reaches a parameter
                if (origin == null) {
                    origin = Incident.allowedGradient(n, i, gi, ownValue.allowReason(), marks, sweep.toRoot(n),
                            st.sinkToken());
                }
            } else {
                origin = Incident.backward(n, i, gi, marks, sweep.toRoot(n), st.sinkToken());
                st.record(origin); // THROW stops before the parent's gradient is touched
            }
        }
        if (origin != null && p.op == null) {
            origin.reached(p);
            if (origin.release()) st.record(origin); // THROW stops before the parameter's gradient is touched
        }
        marks.markGradient(p, origin);
        return false;
    }
    /**
     * True if every non-finite element of {@code gi} sits where {@code y} (broadcast) is NaN, or,
     * with {@code anyNonFinite}, where it is NaN or infinite.
     */
    private static boolean onlyWhereOwnValueIs(DMatrixRMaj y, DMatrixRMaj gi, boolean anyNonFinite) {
        for (int r = 0; r < gi.numRows; r++) {
            for (int c = 0; c < gi.numCols; c++) {
                if (Double.isFinite(gi.data[r * gi.numCols + c])) continue;
                int yr = y.numRows == 1 ? 0 : r, yc = y.numCols == 1 ? 0 : c;
                if (yr >= y.numRows || yc >= y.numCols) return false;
                double e = y.data[yr * y.numCols + yc];
                if (anyNonFinite ? Double.isFinite(e) : !Double.isNaN(e)) return false;
            }
        }
        return true;
    }

    /** Sums a finite contribution into an existing gradient; an overflow there is an entry point too. */
    static void accumulationOverflow(Var p, Var from, GuardState st, SweepPath sweep) {
        Incident r = Incident.accumulation(p, from, sweep.toRoot(p), st.sinkToken());
        st.marks().markGradient(p, r);
        st.record(r);
    }
}
