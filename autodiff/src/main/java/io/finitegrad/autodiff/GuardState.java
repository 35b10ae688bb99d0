package io.finitegrad.autodiff;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-thread state read once per node: guard mode, the innermost WARN sink, the name-scope prefix
 * and the allow-non-finite reason. One ThreadLocal lookup serves all of them.
 */
final class GuardState {
    private static final ThreadLocal<GuardState> CURRENT = ThreadLocal.withInitial(GuardState::new);

    FiniteGuard.Mode mode = FiniteGuard.Mode.THROW;
    /** Reports of the innermost open guard scope, or null outside any scope. */
    List<NanReport> sink;
    /** Identifies the innermost scope, so a leaf is reported once per scope. */
    Object sinkToken = new Object();
    long checks;
    String scopePrefix = "";
    /** Creation site shared by library-made nodes in the innermost scope, when library code opened it. */
    StackWalker.StackFrame scopeSite;
    String allowReason;
    boolean captureSites = true;

    static GuardState get() {
        return CURRENT.get();
    }

    boolean on() {
        return mode != FiniteGuard.Mode.OFF;
    }

    /** Records an entry point; in THROW mode that means stopping right here. */
    void record(NanReport report) {
        if (mode == FiniteGuard.Mode.THROW) throw new NonFiniteException(report);
        if (sink == null) sink = new ArrayList<>();
        sink.add(report);
    }
}
