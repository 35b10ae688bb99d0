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
        assertTrue(broken.ending().startsWith("Training diverged at epoch 1, batch 0:"), "before any weight changes: " + broken.ending());
        assertEquals(0, broken.losses().length, "no step was applied");
        double fixed = s.runFixed(LAB).loss();
        assertTrue(Double.isFinite(fixed) && fixed < 3.0, "the stable loss trains, slowly, on unscaled inputs: " + fixed);
    }

    @Test
    void maskedBranchShowsAFiniteLossThenTheForwardLogThenTheBackwardEntry() {
        Scenario s = Scenarios.find("masked-branch");
        assertEquals(FiniteGuard.Mode.WARN, s.mode());
        Outcome broken = s.runBroken(LAB);
        assertTrue(Double.isFinite(broken.loss()) && broken.loss() > 0, "loss " + broken.loss());
        List<NanReport> reports = broken.reports();
        assertEquals(1, reports.size(), "the backward NaN is the forward entry's consequence, not a second entry: " + reports);
        NanReport forward = reports.get(0);
        assertEquals(Phase.FORWARD, forward.phase());
        assertEquals(Cause.LOG_OF_ZERO, forward.cause());
        assertEquals("maskedNll/log", forward.label());
        assertFalse(forward.hiddenBy().isEmpty(), "the where hides the -Infinity: " + forward);
        assertEquals(1, forward.consequences().size(), forward.toString());
        String backward = forward.consequences().get(0);
        assertTrue(backward.startsWith("backward through log 'maskedNll/log', gradient to operand 0 'p(target)': ZERO_TIMES_INF:"),
                backward);
        assertEquals(forward, s.expected().matchIn(broken));
        // examples are user code: the site is the lesson's line, not a frame inside the library
        assertTrue(forward.site().startsWith("MaskedBranch.java:") && forward.site().endsWith("(MaskedBranch.maskedNll)"),
                forward.site());
        assertTrue(forward.reachedGradients().contains("hidden/W"), forward.reachedGradients().toString());
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
        assertTrue(r.toString().contains("input 0:   'mse/sub' (sub) 32x1: finite,"), "each error is finite, its square is not: " + r);
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
        Expected then = Expected.entry(Phase.FORWARD, "log", Cause.LOG_OF_ZERO, 0.5).then(Cause.ZERO_TIMES_INF);
        assertEquals("FORWARD at log: LOG_OF_ZERO, then BACKWARD: ZERO_TIMES_INF; fixed loss < 0.5000", then.toString());
        assertEquals(Cause.ZERO_TIMES_INF, then.thenCause());
        assertThrows(IllegalArgumentException.class, () -> Expected.finite(1).then(Cause.ZERO_TIMES_INF));
        assertTrue(Expected.finite(1).metByBroken(Outcome.computed(List.of(), 1, "done", List.of())));
        assertFalse(e.metByBroken(Outcome.computed(List.of(), 1, "done", List.of())));
        assertThrows(IllegalArgumentException.class, () -> Expected.finite(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Expected.entry(null, "log", Cause.LOG_OF_ZERO, 1));
    }
}
