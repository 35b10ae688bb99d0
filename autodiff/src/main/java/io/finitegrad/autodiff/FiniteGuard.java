package io.finitegrad.autodiff;

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

    /** This thread's current mode. */
    public static Mode currentMode() {
        return GuardState.get().mode;
    }

    /**
     * Nodes created until the returned scope closes may hold non-finite values on purpose (a -Inf
     * attention mask, say): they are not reported, non-finite values derived from them are not
     * reported either, but the first NaN they lead to is, with the mark and reason shown.
     */
    public static AutoCloseable allowNonFinite(String reason) {
        if (reason == null || reason.isBlank()) throw new IllegalArgumentException("allowNonFinite: give a reason");
        GuardState st = GuardState.get();
        String previous = st.allowReason;
        st.allowReason = reason;
        return () -> st.allowReason = previous;
    }

    /**
     * Turns recording of the user-code creation site on or off for this thread (on by default);
     * returns a scope that restores the previous setting. Off saves a short stack walk per node.
     */
    public static AutoCloseable captureSites(boolean on) {
        GuardState st = GuardState.get();
        boolean previous = st.captureSites;
        st.captureSites = on;
        return () -> st.captureSites = previous;
    }

    /** A mode switch; closing it restores the previous mode and hands its reports to any enclosing scope. */
    public static final class Scope implements AutoCloseable {
        private final GuardState state;
        private final Mode previousMode;
        private final List<NanReport> previousSink;
        private final Object previousToken;
        private final long startChecks;
        private final List<NanReport> mine = new ArrayList<>();
        private long endChecks = -1;

        private Scope(GuardState state, Mode mode) {
            this.state = state;
            this.previousMode = state.mode;
            this.previousSink = state.sink;
            this.previousToken = state.sinkToken;
            this.startChecks = state.checks;
            state.mode = mode;
            state.sink = mine;
            state.sinkToken = new Object();
        }

        /** Entry points recorded in this scope (WARN mode), in the order they happened. */
        public List<NanReport> reports() {
            return Collections.unmodifiableList(mine);
        }

        /** How many tensors the guard checked in this scope (0 under OFF). */
        public long checks() {
            return (endChecks >= 0 ? endChecks : state.checks) - startChecks;
        }

        @Override
        public void close() {
            if (endChecks >= 0) return;
            endChecks = state.checks;
            state.mode = previousMode;
            state.sink = previousSink;
            state.sinkToken = previousToken;
            if (previousSink != null) previousSink.addAll(mine);
        }
    }

    // ---- the checks (called by Var and Backprop) ----------------------------------------------

    /** A leaf at creation, and a parameter when an op reads it after its storage was handed out. */
    static void checkLeaf(Var v, GuardState st) {
        if (!st.on()) return;
        st.checks++;
        if (FiniteScan.allFinite(v.value)) {
            v.nonFinite = false;
            v.origin = null;
            return;
        }
        v.nonFinite = true;
        if (v.allowReason != null) return;
        // WARN reports a bad leaf once per scope; THROW stops at every use
        if (st.mode == Mode.WARN && v.origin != null && v.origin.token == st.sinkToken) return;
        NanReport r = NanReport.leaf(v, st.sinkToken);
        v.origin = r;
        st.record(r);
    }

    /** A new op node: entry, propagation, disappearance or nothing. */
    static void checkForward(Var v, GuardState st) {
        if (!st.on()) return;
        st.checks++;
        Var bad = null;
        Var allowedBad = null;
        for (Var p : v.parents) {
            if (p.op == null && (p.mayHaveChanged || p.nonFinite && p.allowReason == null)) {
                p.mayHaveChanged = false;
                checkLeaf(p, st);
            }
            if (p.nonFinite) {
                if (p.allowReason != null) {
                    if (allowedBad == null) allowedBad = p;
                } else if (bad == null) bad = p;
            }
        }
        if (FiniteScan.allFinite(v.value)) {
            if (bad != null && bad.origin != null) bad.origin.hiddenBy(v);
            return;
        }
        v.nonFinite = true;
        if (bad != null) {
            v.origin = bad.origin;
            if (v.origin != null) v.origin.propagatedTo(v);
            return;
        }
        if (v.allowReason != null) return;
        if (allowedBad != null && !newNaN(v)) {
            // keep the user's reason and the marked node, so a NaN further on can name the mask
            v.allowReason = allowedBad.allowReason.startsWith(DERIVED) ? allowedBad.allowReason
                    : DERIVED + "'" + allowedBad.name() + "': " + allowedBad.allowReason;
            return;
        }
        NanReport r = NanReport.forward(v, st.sinkToken);
        v.origin = r;
        st.record(r);
    }

    /** True if v holds a NaN that none of its allowed non-finite parents held. */
    private static boolean newNaN(Var v) {
        if (FiniteScan.scan(v.value).nanCount() == 0) return false;
        for (Var p : v.parents) if (p.nonFinite && FiniteScan.scan(p.value).nanCount() > 0) return false;
        return true;
    }

    /**
     * The gradient {@code gi} that node {@code n} sends to parent {@code i}. Returns whether it is
     * finite.
     */
    static boolean checkGradient(Var n, int i, DMatrixRMaj gi, GuardState st) {
        st.checks++;
        Var p = n.parents[i];
        if (FiniteScan.allFinite(gi)) {
            if (n.gradNonFinite && n.gradOrigin != null) n.gradOrigin.hiddenBy(n);
            return true;
        }
        if (n.gradNonFinite) {
            p.gradOrigin = n.gradOrigin;
        } else {
            Var badParent = null;
            for (Var q : n.parents) if (q.nonFinite && q.allowReason == null) { badParent = q; break; }
            if (badParent != null) {
                p.gradOrigin = badParent.origin; // a forward NaN flowing on into the gradients
            } else if (n.nonFinite && onlyOwnNaN(n.value, gi)) {
                p.gradOrigin = n.origin; // its own NaN output (reported, or allowed) read by its vjp
            } else {
                NanReport r = NanReport.backward(n, i, gi, st.sinkToken);
                p.gradOrigin = r;
                st.record(r);
            }
        }
        if (p.gradOrigin != null && p.op == null) p.gradOrigin.reached(p);
        return false;
    }

    /** True if every non-finite element of {@code gi} sits where {@code y} (broadcast) is NaN. */
    private static boolean onlyOwnNaN(DMatrixRMaj y, DMatrixRMaj gi) {
        for (int r = 0; r < gi.numRows; r++) {
            for (int c = 0; c < gi.numCols; c++) {
                if (Double.isFinite(gi.data[r * gi.numCols + c])) continue;
                int yr = y.numRows == 1 ? 0 : r, yc = y.numCols == 1 ? 0 : c;
                if (yr >= y.numRows || yc >= y.numCols || !Double.isNaN(y.data[yr * y.numCols + yc])) return false;
            }
        }
        return true;
    }

    /** Sums a finite contribution into an existing gradient; an overflow there is an entry point too. */
    static void accumulationOverflow(Var p, Var from, GuardState st) {
        NanReport r = NanReport.accumulation(p, from, st.sinkToken);
        p.gradOrigin = r;
        st.record(r);
    }
}
