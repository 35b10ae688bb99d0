package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lessons 1, 2, 3, 8, 11, 13, 14 and 15: each broken run stops (THROW) where its lesson says, at
 * the node it names and after the number of good steps it describes; each fixed run stays finite
 * and trains below its stated loss.
 */
class ScenariosATest {
    private static final Lab LAB = Lab.quiet(0);

    @ParameterizedTest(name = "lesson {0} stops at {3} ({1} {2}) after {4} to {5} good steps")
    @CsvSource({
        // 1: in the first epoch, when the batch holding the tiny target comes (4 batches an epoch)
        "1,  FORWARD,  OVERFLOW,         relativeError/div,          0, 3",
        // 2: only once training has made the classifier confident (10 batches an epoch)
        "2,  FORWARD,  LOG_OF_ZERO,      naiveCrossEntropy/log,      1, 19",
        "3,  FORWARD,  INF_MINUS_INF,    dense87/matmul,             0, 0",
        "8,  FORWARD,  ZERO_DIV_ZERO,    shareLoss/div,              0, 0",
        "11, FORWARD,  EXP_OVERFLOW,     naiveSigmoid/exp,           0, 0",
        "13, FORWARD,  ZERO_DIV_ZERO,    norm/normalize/div,         0, 0",
        "14, BACKWARD, ZERO_TIMES_INF,   siamese/sqrt,               0, 0",
        "15, FORWARD,  INF_MINUS_INF,    attention/softmax,          0, 0",
    })
    void brokenRunStopsAtTheLessonsEntryPoint(String number, Phase phase, Cause cause, String label, int minSteps, int maxSteps) {
        Scenario s = Scenarios.find(number);
        assertEquals(FiniteGuard.Mode.THROW, s.mode());
        Outcome broken = s.runBroken(LAB);
        assertTrue(s.expected().metByBroken(broken), number + ": " + broken.reports() + " " + broken.ending());
        assertEquals(1, broken.reports().size(), broken.reports().toString());
        NanReport r = broken.first();
        assertEquals(phase, r.phase(), r.toString());
        assertEquals(cause, r.cause(), r.toString());
        assertEquals(label, r.label(), r.toString());
        assertEquals(s.expected().phase(), r.phase());
        assertEquals(s.expected().cause(), r.cause());
        int steps = broken.losses().length;
        assertTrue(steps >= minSteps && steps <= maxSteps, "steps applied before the guard stopped the run: " + steps);
    }

    @ParameterizedTest(name = "lesson {0}'s fixed run trains")
    @ValueSource(strings = {"1", "2", "3", "8", "11", "13", "14", "15"})
    void fixedRunStaysFiniteAndReachesTheStatedLoss(String number) {
        Scenario s = Scenarios.find(number);
        Outcome fixed = s.runFixed(LAB);
        assertFalse(fixed.nonFinite(), number + " fixed run met a NaN: " + fixed.reports());
        assertTrue(fixed.ending().startsWith("completed"), fixed.ending());
        assertTrue(s.expected().metByFixed(fixed), number + " fixed: loss " + fixed.loss() + " " + fixed.ending());
        assertEquals(fixed.losses().length, fixed.gradNorms().length);
    }

    @ParameterizedTest(name = "lesson {0}")
    @ValueSource(strings = {"14"})
    void sqrtAtZeroHasAFiniteForwardAndAZeroUpstreamGradient(String number) {
        Outcome broken = Scenarios.find(number).runBroken(LAB);
        assertTrue(Double.isFinite(broken.loss()), "the forward pass is clean: loss " + broken.loss());
        NanReport r = broken.first();
        assertNotNull(r);
        assertTrue(r.toString().contains("1/(2 sqrt(0))"), r.toString());
    }

    @ParameterizedTest(name = "lesson {0}")
    @ValueSource(strings = {"1", "2", "3", "8", "11", "13", "14", "15"})
    void lessonStatesItsNameFixAndExpectation(String number) {
        Scenario s = Scenarios.find(number);
        assertEquals(Integer.parseInt(number), s.number());
        assertEquals(s, Scenarios.find(s.name()));
        assertTrue(s.name().matches("[a-z0-9-]+"), s.name());
        assertFalse(s.breaks().isBlank() || s.lesson().isBlank() || s.fix().isBlank());
        assertTrue(s.expected().expectsNaN());
    }
}
