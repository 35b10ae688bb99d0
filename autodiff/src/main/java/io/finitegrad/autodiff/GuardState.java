package io.finitegrad.autodiff;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-thread state read once per node: guard mode, the innermost WARN sink, the name-scope prefix,
 * the allow-non-finite reason and the guard's marks. One ThreadLocal lookup serves all of them.
 */
final class GuardState {
    private static final ThreadLocal<GuardState> CURRENT = ThreadLocal.withInitial(GuardState::new);

    FiniteGuard.Mode mode = FiniteGuard.Mode.THROW;
    /** Incidents of the innermost open guard scope, or null outside any scope. */
    List<Incident> sink;
    /** Identifies the innermost scope, so a leaf is reported once per scope. */
    Object sinkToken = new Object();
    long checks;
    String scopePrefix = "";
    /** Creation site shared by library-made nodes in the innermost scope, when library code opened it. */
    StackWalker.StackFrame scopeSite;
    /** Hints of the open name scopes, innermost first, or null. */
    Hint.Chain hints;
    /** The innermost open name scope entry, which numbers repeated node names, or null. */
    Names.Scope openScope;
    String allowReason;
    boolean captureSites = true;
    /** The guard's marks on this thread's nodes. */
    final GuardMarks marks = new GuardMarks();

    static GuardState get() {
        return CURRENT.get();
    }

    boolean on() {
        return mode != FiniteGuard.Mode.OFF;
    }

    /** Records an entry point; in THROW mode that means stopping right here. */
    void record(Incident incident) {
        if (mode == FiniteGuard.Mode.THROW) throw new NonFiniteException(incident.report(marks));
        if (sink == null) sink = new ArrayList<>();
        sink.add(incident);
    }
}
