package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Precision;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a scenario promises: for a lesson about a NaN, the entry point its broken run must report
 * (phase, op, cause), and optionally the backward step that entry leads to (a
 * {@link NanReport#consequences() consequence}: in WARN mode an infinite forward value hidden by a
 * mask returns in backward as NaN, reported with the forward entry); for a lesson whose broken run stays finite (saturation, say), that no
 * non-finite value appears; and in both cases a loss the fixed run must get below. A promise is
 * made for the lesson's own format and may differ in others ({@link #withFormat}: a textbook setup
 * that overflows in float16 stays finite in float64); the checks read the promise for the format
 * the outcome ran in ({@link Outcome#precision()}). Immutable.
 *
 * @throws IllegalArgumentException from the factories for a null phase, op or cause, or a fixed
 *     loss bound that is not a positive finite number
 */
public final class Expected {
    /**
     * What kind of failure a lesson's broken run shows, which says what {@code nanlab check}
     * promises for it: a defect present at the initial weights is flagged and confirmed before the
     * first step; one made by training is not there yet, so the check certifies the initial
     * weights and reports the parameter radius at which the first node can fail.
     */
    public enum Kind {
        /** Present at the initial weights for some input in the data's range: a formula, the data, the initialisation. */
        PRESENT_AT_INIT,
        /** Made by training: a learning rate too high, a hand-written update, a prediction training drives to 0. */
        MADE_BY_TRAINING,
        /** No NaN/Inf: the lesson is about something else (saturation, frozen gradients). */
        NONE;

        /** In words, for reports: {@code present at the initial weights}. */
        public String words() {
            return switch (this) {
                case PRESENT_AT_INIT -> "present at the initial weights";
                case MADE_BY_TRAINING -> "made by training";
                case NONE -> "no NaN/Inf";
            };
        }
    }

    private final Phase phase;
    private final String op;
    private final Cause cause;
    private final double fixedLossBelow;
    private final Cause then;
    /** For a lesson about gradients that underflow to 0: how many first steps must have a gradient norm of exactly 0 (else 0). */
    private final int frozenSteps;
    /** Promises for other formats than the lesson's own; never holds a promise that has its own overrides. */
    private final Map<Precision, Expected> formats;
    /** The failure's kind; null for an entry whose kind was not given yet. */
    private final Kind kind;

    private Expected(Phase phase, String op, Cause cause, double fixedLossBelow, Cause then) {
        this(phase, op, cause, fixedLossBelow, then, 0, Map.of(), cause == null ? Kind.NONE : null);
    }

    private Expected(Phase phase, String op, Cause cause, double fixedLossBelow, Cause then, int frozenSteps,
                     Map<Precision, Expected> formats, Kind kind) {
        if (!(fixedLossBelow > 0) || Double.isInfinite(fixedLossBelow)) {
            throw new IllegalArgumentException("Expected: the fixed run's loss bound must be positive and finite, got "
                    + fixedLossBelow);
        }
        this.phase = phase;
        this.op = op;
        this.cause = cause;
        this.fixedLossBelow = fixedLossBelow;
        this.then = then;
        this.frozenSteps = frozenSteps;
        this.formats = formats;
        this.kind = kind;
    }

    /** The broken run reports a NaN/Inf entering at {@code op} (a {@link NanReport#op()} name) in {@code phase}, for {@code cause}. */
    public static Expected entry(Phase phase, String op, Cause cause, double fixedLossBelow) {
        if (phase == null || op == null || cause == null) {
            throw new IllegalArgumentException("Expected.entry: phase, op and cause are required, got "
                    + phase + ", " + op + ", " + cause);
        }
        return new Expected(phase, op, cause, fixedLossBelow, null);
    }

    /** The broken run stays finite (its lesson is not a NaN); the fixed run gets below {@code fixedLossBelow}. */
    public static Expected finite(double fixedLossBelow) {
        return new Expected(null, null, null, fixedLossBelow, null);
    }

    /**
     * The broken run stays finite but does not learn: each of its first {@code steps} applied steps
     * has a gradient global norm of exactly 0 (every gradient underflowed); the fixed run gets below
     * {@code fixedLossBelow}.
     *
     * @throws IllegalArgumentException if {@code steps} is not positive
     */
    public static Expected frozen(int steps, double fixedLossBelow) {
        if (steps <= 0) throw new IllegalArgumentException("Expected.frozen: steps must be positive, got " + steps);
        return new Expected(null, null, null, fixedLossBelow, null, steps, Map.of(), Kind.NONE);
    }

    /**
     * The same promise, and the entry's report also lists a backward step through the same op whose
     * cause is {@code backwardCause} (e.g. ZERO_TIMES_INF at the gradient of a masked log).
     *
     * @throws IllegalArgumentException if {@code backwardCause} is null or this promise expects no NaN/Inf
     */
    public Expected then(Cause backwardCause) {
        if (backwardCause == null || !expectsNaN()) {
            throw new IllegalArgumentException("Expected.then: needs an entry point and a cause, got " + this
                    + " then " + backwardCause);
        }
        return new Expected(phase, op, cause, fixedLossBelow, backwardCause, 0, formats, kind);
    }

    /**
     * The same promise, except that in format {@code p} the broken run behaves as {@code there}
     * says (e.g. stays finite in float64, or enters at another node in float16).
     *
     * @throws IllegalArgumentException if {@code p} or {@code there} is null, or {@code there} has per-format promises itself
     */
    public Expected withFormat(Precision p, Expected there) {
        if (p == null || there == null || !there.formats.isEmpty()) {
            throw new IllegalArgumentException("Expected.withFormat: needs a format and a plain promise, got " + p + ", " + there);
        }
        Map<Precision, Expected> m = new EnumMap<>(Precision.class);
        m.putAll(formats);
        m.put(p, there);
        return new Expected(phase, op, cause, fixedLossBelow, then, frozenSteps, Map.copyOf(m), kind);
    }

    /** The promise for a run in format {@code p}: its own if one was given, else this one's. */
    public Expected forFormat(Precision p) {
        Expected e = formats.get(p);
        return e != null ? e : formats.isEmpty() ? this : new Expected(phase, op, cause, fixedLossBelow, then, frozenSteps, Map.of(), kind);
    }

    /**
     * The same promise, its failure present at the initial weights ({@link Kind#PRESENT_AT_INIT}):
     * {@code nanlab check} must flag and confirm it at this promise's op with its cause.
     *
     * @throws IllegalArgumentException if this promise expects no NaN/Inf
     */
    public Expected presentAtInit() {
        return withKind(Kind.PRESENT_AT_INIT);
    }

    /**
     * The same promise, its failure made by training ({@link Kind#MADE_BY_TRAINING}):
     * {@code nanlab check} must certify the initial weights and report a finite certified radius.
     *
     * @throws IllegalArgumentException if this promise expects no NaN/Inf
     */
    public Expected madeByTraining() {
        return withKind(Kind.MADE_BY_TRAINING);
    }

    private Expected withKind(Kind k) {
        if (!expectsNaN()) throw new IllegalArgumentException("Expected: a promise of no NaN/Inf has kind NONE, got " + k);
        return new Expected(phase, op, cause, fixedLossBelow, then, frozenSteps, formats, k);
    }

    /** The failure's kind for the lesson's own format; null for an entry whose kind was not given (a lesson's bug). */
    public Kind kind() { return kind; }

    /** The failure's kind for a run in format {@code p}. */
    public Kind kindIn(Precision p) { return forFormat(p).kind; }

    /** True if the broken run is promised to break in format {@code p}: meet a NaN/Inf, or freeze with all-zero gradients. */
    public boolean breaksIn(Precision p) {
        Expected e = forFormat(p);
        return e.expectsNaN() || e.frozenSteps > 0;
    }

    /** For a frozen-gradient promise, how many first steps must have a zero gradient; 0 for any other promise. */
    public int frozenSteps() { return frozenSteps; }

    /** True if the broken run's lesson is a NaN/Inf entering somewhere. */
    public boolean expectsNaN() {
        return cause != null;
    }

    public Phase phase() { return phase; }
    public String op() { return op; }
    public Cause cause() { return cause; }
    /** The cause of the backward step the entry leads to, or null if the lesson names none. */
    public Cause thenCause() { return then; }
    /** The loss the fixed run must end below. */
    public double fixedLossBelow() { return fixedLossBelow; }

    /** The broken run's report this expectation names for the format it ran in, or null if none matches. */
    public NanReport matchIn(Outcome broken) {
        return forFormat(broken.precision()).match(broken);
    }

    private NanReport match(Outcome broken) {
        if (!expectsNaN()) return null;
        for (NanReport r : broken.reports()) {
            if (r.phase() == phase && r.op().equals(op) && r.cause() == cause && leadsToThen(r)) return r;
        }
        return null;
    }

    private boolean leadsToThen(NanReport r) {
        if (then == null) return true;
        // a consequence reads "backward through OP 'name', gradient to operand i 'x': CAUSE: ..."
        for (String c : r.consequences()) {
            if (c.startsWith("backward through " + op + " ") && c.contains(": " + then.name() + ":")) return true;
        }
        return false;
    }

    /** True if the broken run behaved as the lesson says for the format it ran in. */
    public boolean metByBroken(Outcome broken) {
        Expected e = forFormat(broken.precision());
        if (e.expectsNaN()) return e.match(broken) != null;
        if (broken.nonFinite()) return false;
        double[] norms = broken.gradNorms();
        if (norms.length < e.frozenSteps) return false;
        for (int i = 0; i < e.frozenSteps; i++) if (norms[i] != 0) return false;
        return true;
    }

    /** True if the fixed run stayed finite and ended below the loss promised for the format it ran in. */
    public boolean metByFixed(Outcome fixed) {
        return !fixed.nonFinite() && fixed.loss() < forFormat(fixed.precision()).fixedLossBelow;
    }

    /**
     * The promise in words, e.g. {@code FORWARD at log: LOG_OF_ZERO, then BACKWARD: ZERO_TIMES_INF; fixed loss < 0.5},
     * followed by each other format's, e.g. {@code ; in float64: no NaN/Inf; fixed loss < 0.5}.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(plain());
        for (Precision p : Precision.values()) {
            Expected there = formats.get(p);
            if (there != null) b.append("; in ").append(p.label()).append(": ").append(there.plain());
        }
        return b.toString();
    }

    private String plain() {
        String broken = expectsNaN() ? phase + " at " + op + ": " + cause
                : frozenSteps > 0 ? "no NaN/Inf, gradients exactly 0 for " + frozenSteps + " steps" : "no NaN/Inf";
        if (then != null) broken += ", then BACKWARD: " + then;
        if (kind != null && kind != Kind.NONE) broken += " (" + kind.words() + ")";
        return broken + String.format(Locale.ROOT, "; fixed loss < %.4g", fixedLossBelow);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Expected e && phase == e.phase && Objects.equals(op, e.op) && cause == e.cause
                && Double.compare(fixedLossBelow, e.fixedLossBelow) == 0 && then == e.then && frozenSteps == e.frozenSteps && formats.equals(e.formats)
                && kind == e.kind;
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, op, cause, fixedLossBelow, then, frozenSteps, formats, kind);
    }
}
