package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.check.FinitenessReport;
import io.finitegrad.autodiff.check.PotentialDefect;
import io.finitegrad.core.Precision;
import java.util.Locale;

/**
 * What {@code nanlab check} promises for a lesson, by the kind of its failure
 * ({@link Expected.Kind}), and whether a report keeps it:
 * <ul>
 * <li>broken, {@link Expected.Kind#PRESENT_AT_INIT}: a confirmed defect at the op and phase the
 *     lesson's real run reports, the guard naming the same cause on the confirming input;
 * <li>broken, {@link Expected.Kind#MADE_BY_TRAINING}: the initial weights certified, with a finite
 *     certified parameter radius (the radius at which a node can first fail is named);
 * <li>broken, {@link Expected.Kind#NONE}, and every fixed version: no confirmed defect (certified,
 *     or each warning named with the op that widened it, a host read or an op without a transfer).
 * </ul>
 */
final class CheckPromise {
    private CheckPromise() {
    }

    /** The kind the check is held to: the lesson's for the broken version in p, NONE for the fixed one. */
    static Expected.Kind kind(Scenario s, Precision p, boolean fixed) {
        return fixed ? Expected.Kind.NONE : s.expected().kindIn(p);
    }

    /** The confirmed defect the promise names (op, phase and the guard's cause), or null. */
    static PotentialDefect named(Expected e, FinitenessReport r) {
        for (PotentialDefect d : r.confirmed()) {
            if (d.op().equals(e.op()) && d.phase() == e.phase() && d.confirmation().report().cause() == e.cause()) return d;
        }
        return null;
    }

    /** Whether the report keeps the promise for s's broken (or fixed) version in p. */
    static boolean met(Scenario s, Precision p, boolean fixed, FinitenessReport r) {
        Expected e = s.expected().forFormat(p);
        return switch (kind(s, p, fixed)) {
            case PRESENT_AT_INIT -> named(e, r) != null;
            case MADE_BY_TRAINING -> r.certified() && Double.isFinite(r.certifiedRadius()) && !r.radiusAtLeast();
            case NONE -> !r.hasConfirmedDefect();
        };
    }

    /** The promise, one line: {@code lesson's promise (present at the initial weights): FORWARD div OVERFLOW, confirmed}. */
    static String describe(Scenario s, Precision p, boolean fixed) {
        Expected e = s.expected().forFormat(p);
        return switch (kind(s, p, fixed)) {
            case PRESENT_AT_INIT -> "present at the initial weights: " + e.phase().name().toLowerCase(Locale.ROOT) + " " + e.op()
                    + " " + e.cause() + ", found and confirmed";
            case MADE_BY_TRAINING -> "made by training: the initial weights certified, with a finite radius";
            case NONE -> (fixed ? "the remedy: " : "no NaN/Inf: ") + "no confirmed defect";
        };
    }

    /** The verdict line(s) {@code nanlab check} prints after the report, within 80 columns. */
    static String verdict(Scenario s, Precision p, boolean fixed, FinitenessReport r) {
        StringBuilder b = new StringBuilder();
        b.append(Narrator.wrap("The lesson's promise (" + describe(s, p, fixed) + "): "
                + (met(s, p, fixed, r) ? "kept." : "NOT kept."))).append('\n');
        Expected e = s.expected().forFormat(p);
        Expected.Kind k = kind(s, p, fixed);
        if (k == Expected.Kind.PRESENT_AT_INIT) {
            PotentialDefect d = named(e, r);
            if (d != null) b.append(Narrator.wrap("Confirmed at " + d.where() + ": the guard reports "
                    + d.confirmation().report().cause() + " at '" + d.confirmation().report().label() + "'.")).append('\n');
        } else if (k == Expected.Kind.MADE_BY_TRAINING && Double.isFinite(r.certifiedRadius())) {
            b.append(Narrator.wrap(String.format(Locale.ROOT, "Training may move every weight by %.4g before a node can fail%s.",
                    r.certifiedRadius(), r.radiusLimit().isEmpty() ? "" : "; the first is " + r.radiusLimit()))).append('\n');
        }
        if (!r.certified() && !r.hasConfirmedDefect()) {
            b.append(Narrator.wrap("warning: not certified, but no defect was confirmed (see above): exit 0.")).append('\n');
        }
        return b.toString();
    }
}
