package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.check.FinitenessReport;
import io.finitegrad.autodiff.check.PotentialDefect;
import io.finitegrad.core.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * {@code nanlab check} on every lesson, broken and fixed, in the lesson's own format: the check
 * keeps the promise its kind makes ({@link CheckPromise}); and the number of unconfirmed warnings
 * over all lessons per format, each named with the op that widened its intervals most.
 */
class ScenarioChecksTest {
    /** Unconfirmed warnings the analysis may leave over all 36 checks of one format (see the printed table). */
    static final int MAX_UNCONFIRMED_PER_FORMAT = 60;

    @Test
    void everyLessonSaysTheKindOfItsFailureInEveryFormat() {
        for (Scenario s : Scenarios.all()) {
            for (Precision p : Precision.values()) {
                Expected e = s.expected().forFormat(p);
                Expected.Kind k = s.expected().kindIn(p);
                assertNotNull(k, s.name() + " in " + p.label() + ": no kind");
                assertEquals(e.expectsNaN(), k != Expected.Kind.NONE, s.name() + " in " + p.label());
            }
        }
    }

    @Test
    void everyLessonsCheckKeepsItsPromiseBrokenAndFixed() {
        List<String> broken = new ArrayList<>();
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-22s %-7s %-17s %s%n", "lesson", "version", "kind", "result"));
        for (Scenario s : Scenarios.all()) {
            Precision p = s.precision();
            for (boolean fixed : new boolean[] {false, true}) {
                FinitenessReport r = Scenarios.check(s, Lab.quiet(0), fixed, p).run();
                boolean met = CheckPromise.met(s, p, fixed, r);
                String result = summary(r) + (met ? "" : "  PROMISE NOT KEPT");
                table.append(String.format(Locale.ROOT, "%-22s %-7s %-17s %s%n", s.number() + " " + s.name(),
                        fixed ? "fixed" : "broken", CheckPromise.kind(s, p, fixed), result));
                if (!met) broken.add(s.number() + " " + s.name() + (fixed ? " fixed" : " broken") + ": " + result + "\n" + r);
                if (fixed && !r.certified()) {
                    // a fixed lesson that does not certify names what prevents it
                    assertTrue(!r.defects().isEmpty() || !r.hostReads().isEmpty() || !r.unknownOps().isEmpty(), r.toString());
                }
            }
        }
        System.out.println(table);
        assertTrue(broken.isEmpty(), broken.size() + " promise(s) not kept:\n" + String.join("\n\n", broken));
    }

    /** One line: certified (radius), or defects / confirmed / what prevents a certificate. */
    static String summary(FinitenessReport r) {
        String radius = Double.isNaN(r.certifiedRadius()) ? "none"
                : String.format(Locale.ROOT, "%s%.3g", r.radiusAtLeast() ? ">=" : "", r.certifiedRadius());
        if (r.certified()) return "certified, radius " + radius;
        StringBuilder b = new StringBuilder();
        b.append(r.defects().size()).append(" defects, ").append(r.confirmed().size()).append(" confirmed");
        for (PotentialDefect d : r.confirmed()) {
            b.append(" [").append(d.op()).append(' ').append(d.phase()).append(' ').append(d.confirmation().report().cause()).append(']');
            break;
        }
        if (!r.hostReads().isEmpty()) b.append(", host read ").append(r.hostReads().get(0).site());
        if (!r.unknownOps().isEmpty()) b.append(", no transfer ").append(r.unknownOps().get(0));
        return b.append(", radius ").append(radius).toString();
    }

    @Test
    void unconfirmedWarningsOverAllLessonsPerFormatAreFewAndEachNamesTheOpThatWidenedIt() {
        StringBuilder out = new StringBuilder();
        for (Precision p : Precision.values()) {
            int unconfirmed = 0;
            for (Scenario s : Scenarios.all()) {
                for (boolean fixed : new boolean[] {false, true}) {
                    FinitenessReport r = Scenarios.check(s, Lab.quiet(0), fixed, p).tries(50).check().suggest(false).run();
                    for (PotentialDefect d : r.defects()) {
                        if (d.confirmed()) continue;
                        unconfirmed++;
                        out.append(String.format(Locale.ROOT, "  %s %s %-6s %s %s; widened most by %s%n", p.flag(), s.number(),
                                fixed ? "fixed" : "broken", d.where(), d.causes(), d.widenedMost().isEmpty() ? "(none)" : d.widenedMost()));
                        assertTrue(!d.widenedMost().isEmpty() || d.op().equals("input") || d.op().equals("param"),
                                "an unconfirmed warning names no op that widened it: " + d);
                    }
                }
            }
            out.append(String.format(Locale.ROOT, "%s: %d unconfirmed warnings over %d checks%n", p.label(), unconfirmed,
                    2 * Scenarios.all().size()));
            assertTrue(unconfirmed <= MAX_UNCONFIRMED_PER_FORMAT, p.label() + ": " + unconfirmed + " unconfirmed\n" + out);
        }
        System.out.println(out);
    }
}
