package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each lesson's broken run shows what its lesson says, and its fixed run trains to the stated loss. */
class ScenariosTest {
    private static final Lab LAB = Lab.quiet(0);

    @Test
    void everyRegisteredLessonHoldsBrokenAndFixed() {
        for (Scenario s : Scenarios.all()) {
            Outcome broken = s.runBroken(LAB);
            Outcome fixed = s.runFixed(LAB);
            assertTrue(s.expected().metByBroken(broken), s.number() + " broken: " + broken.reports() + " " + broken.ending());
            assertTrue(s.expected().metByFixed(fixed), s.number() + " fixed: loss " + fixed.loss() + " " + fixed.ending());
            assertFalse(fixed.nonFinite(), s.number() + " fixed run met a NaN: " + fixed.reports());
            assertEquals(fixed.losses().length, fixed.gradNorms().length);
        }
    }

    @Test
    void registryIsNumberedUniquelyAndFindsByNumberOrName() {
        Set<Integer> numbers = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Scenario s : Scenarios.all()) {
            assertTrue(numbers.add(s.number()), "number " + s.number() + " repeats");
            assertTrue(names.add(s.name()), "name " + s.name() + " repeats");
            assertTrue(s.name().matches("[a-z0-9-]+"), s.name());
            assertEquals(s, Scenarios.find(String.valueOf(s.number())));
            assertEquals(s, Scenarios.find(s.name().toUpperCase(java.util.Locale.ROOT)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenarios.find("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("7 softmax-overflow"), e.getMessage());
    }

    @Test
    void softmaxOverflowStopsAtTheExpOfTheNaiveSoftmaxBeforeAnyNaN() {
        Scenario s = Scenarios.find("7");
        Outcome broken = s.runBroken(LAB);
        assertEquals(FiniteGuard.Mode.THROW, s.mode());
        assertEquals(1, broken.reports().size(), broken.reports().toString());
        NanReport r = broken.first();
        assertEquals(Phase.FORWARD, r.phase());
        assertEquals(Cause.EXP_OVERFLOW, r.cause());
        assertEquals("naiveSoftmaxCrossEntropy/naiveSoftmax/exp", r.label());
        assertTrue(s.runFixed(LAB).loss() < 0.6);
    }

    @Test
    void maskedBranchShowsAFiniteLossThenTheForwardLogThenTheBackwardEntry() {
        Scenario s = Scenarios.find("masked-branch");
        assertEquals(FiniteGuard.Mode.WARN, s.mode());
        Outcome broken = s.runBroken(LAB);
        assertTrue(Double.isFinite(broken.loss()) && broken.loss() > 0, "loss " + broken.loss());
        List<NanReport> reports = broken.reports();
        assertEquals(2, reports.size(), reports.toString());
        NanReport forward = reports.get(0), backward = reports.get(1);
        assertEquals(Phase.FORWARD, forward.phase());
        assertEquals(Cause.LOG_OF_ZERO, forward.cause());
        assertFalse(forward.hiddenBy().isEmpty(), "the where hides the -Infinity: " + forward);
        assertEquals(Phase.BACKWARD, backward.phase());
        assertEquals(Cause.ZERO_TIMES_INF, backward.cause());
        assertEquals("log p(target)", backward.label());
        // examples are user code: the site is the lesson's line, not a frame inside the library
        assertTrue(backward.site().startsWith("MaskedBranch.java:") && backward.site().endsWith("(MaskedBranch.maskedNll)"),
                backward.site());
        assertTrue(backward.reachedGradients().contains("hidden/W"), backward.reachedGradients().toString());
        Outcome fixed = s.runFixed(LAB);
        assertTrue(fixed.loss() < 0.2, "fixed loss " + fixed.loss());
    }

    @Test
    void learningRateTooHighDivergesAt100ByOverflowingTheSquaredErrorAndTrainsWhenLoweredAndClipped() {
        Scenario s = Scenarios.find("5");
        Outcome broken = s.runBroken(LAB);
        NanReport r = broken.first();
        assertNotNull(r, broken.ending());
        assertEquals(Phase.FORWARD, r.phase());
        assertEquals(Cause.OVERFLOW, r.cause());
        assertEquals("mse/pow", r.label());
        assertTrue(broken.ending().startsWith("Training diverged at epoch"), broken.ending());
        double[] l = broken.losses();
        assertTrue(l.length > 2 && l[l.length - 1] > 1e100 * l[0], "the loss grows geometrically before it overflows");
        assertEquals(2, broken.notes().size());
        assertTrue(broken.notes().get(0).startsWith("lr 1: ") && broken.notes().get(1).startsWith("lr 100: "), broken.notes().toString());
        assertTrue(broken.notes().get(0).contains("then OVERFLOW at mse/"), "lr 1 diverges too: " + broken.notes());
        Outcome fixed = s.runFixed(LAB);
        assertTrue(fixed.loss() < 0.15, "fixed loss " + fixed.loss());
        for (double n : fixed.gradNorms()) assertTrue(Double.isFinite(n));
    }

    @Test
    void sameSeedSameOutcome() {
        Scenario s = Scenarios.find("16");
        double[] a = s.runFixed(Lab.quiet(5)).losses(), b = s.runFixed(Lab.quiet(5)).losses();
        assertTrue(java.util.Arrays.equals(a, b));
    }

    @Test
    void expectationsSayWhatTheyPromise() {
        Expected e = Expected.entry(Phase.BACKWARD, "log", Cause.ZERO_TIMES_INF, 0.5);
        assertEquals("BACKWARD at log: ZERO_TIMES_INF; fixed loss < 0.5000", e.toString());
        assertTrue(Expected.finite(1).metByBroken(Outcome.computed(List.of(), 1, "done", List.of())));
        assertFalse(e.metByBroken(Outcome.computed(List.of(), 1, "done", List.of())));
        assertThrows(IllegalArgumentException.class, () -> Expected.finite(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Expected.entry(null, "log", Cause.LOG_OF_ZERO, 1));
    }
}
