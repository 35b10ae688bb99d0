package io.finitegrad.autodiff;

import io.finitegrad.core.PrecisionState;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-thread state read once per node: guard mode, the innermost WARN sink, the name-scope prefix,
 * the allow-non-finite reason, the guard's marks and the emulated format. One ThreadLocal lookup serves all of them.
 * The scopes that change it ({@link FiniteGuard.Scope}, {@link Names.Scope}, {@link GuardScope})
 * do so through the methods here, and restore what they found when they close.
 */
final class GuardState {
    private static final ThreadLocal<GuardState> CURRENT = ThreadLocal.withInitial(GuardState::new);

    private FiniteGuard.Mode mode = FiniteGuard.Mode.THROW;
    /** Incidents of the innermost open guard scope, or null outside any scope. */
    private List<Incident> sink;
    /** Identifies the innermost scope, so a leaf is reported once per scope. */
    private Object sinkToken = new Object();
    private long checks;
    /** Stack walks site capture made on this thread: tests check that scopes share them. */
    private long siteWalks;
    /** Entry points recorded on this thread, in any mode: a training loop reads it around a step. */
    private long recorded;
    private String scopePrefix = "";
    /** Creation site shared by library-made nodes in the innermost scope, when library code opened it. */
    private StackWalker.StackFrame scopeSite;
    /** Hints of the open name scopes, innermost first, or null. */
    private Hint.Chain hints;
    /** The innermost open name scope entry, which numbers repeated node names, or null. */
    private Names.Scope openScope;
    /** A name tally a closed scope entry handed back, for the next entry to count in, or null. */
    private Names.Tally spareTally;
    private String allowReason;
    private boolean captureSites = true;
    /** Package prefixes ("org.quicktheories.") whose frames site capture passes over, like library frames. */
    private String[] passOver = new String[0];
    /** The guard's marks on this thread's nodes. */
    private final GuardMarks marks = new GuardMarks();
    /** This thread's emulated format, owned by core's {@code Emulation} scopes; held to save a lookup per node. */
    private final PrecisionState precision = PrecisionState.get();

    static GuardState get() {
        return CURRENT.get();
    }

    FiniteGuard.Mode mode() { return mode; }
    List<Incident> sink() { return sink; }
    Object sinkToken() { return sinkToken; }
    long checks() { return checks; }
    long siteWalks() { return siteWalks; }
    long recorded() { return recorded; }
    String scopePrefix() { return scopePrefix; }
    StackWalker.StackFrame scopeSite() { return scopeSite; }
    Hint.Chain hints() { return hints; }
    Names.Scope openScope() { return openScope; }
    String allowReason() { return allowReason; }
    boolean captureSites() { return captureSites; }
    String[] passOver() { return passOver; }
    GuardMarks marks() { return marks; }
    PrecisionState precision() { return precision; }

    void countCheck() {
        checks++;
    }

    void countSiteWalk() {
        siteWalks++;
    }

    /** Sets the allow-non-finite reason (null: none) and returns the one it replaces. */
    String swapAllowReason(String reason) {
        String previous = allowReason;
        allowReason = reason;
        return previous;
    }

    /** Sets the package prefixes site capture passes over and returns the previous ones. */
    String[] swapPassOver(String[] prefixes) {
        String[] previous = passOver;
        passOver = prefixes;
        return previous;
    }

    /** Turns site capture on or off and returns the previous setting. */
    boolean swapCaptureSites(boolean on) {
        boolean previous = captureSites;
        captureSites = on;
        return previous;
    }

    /** Enters (or, with the values it found, leaves) a guard mode scope. */
    void guardScope(FiniteGuard.Mode mode, List<Incident> sink, Object sinkToken) {
        this.mode = mode;
        this.sink = sink;
        this.sinkToken = sinkToken;
    }

    /** The spare name tally (then none is spare), or a new one. */
    Names.Tally takeSpareTally() {
        Names.Tally t = spareTally;
        spareTally = null;
        return t != null ? t : new Names.Tally();
    }

    /** Keeps an emptied tally of a closed scope entry for the next entry. */
    void spareTally(Names.Tally t) {
        spareTally = t;
    }

    /** Enters (or, with the values it found, leaves) a name scope. */
    void nameScope(String prefix, StackWalker.StackFrame site, Hint.Chain hints, Names.Scope open) {
        this.scopePrefix = prefix;
        this.scopeSite = site;
        this.hints = hints;
        this.openScope = open;
    }

    boolean on() {
        return mode != FiniteGuard.Mode.OFF;
    }

    /** Records an entry point; in THROW mode that means stopping right here. */
    void record(Incident incident) {
        recorded++;
        if (mode == FiniteGuard.Mode.THROW) throw new NonFiniteException(incident.report(marks));
        if (sink == null) sink = new ArrayList<>();
        sink.add(incident);
    }
}
