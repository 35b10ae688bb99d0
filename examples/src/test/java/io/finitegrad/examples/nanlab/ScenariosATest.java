package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Lessons 1, 2, 3, 8, 11, 13, 14 and 15: each broken run stops where its lesson says, each fixed run trains. */
class ScenariosATest {
    private static final Lab LAB = Lab.quiet(0);

    @ParameterizedTest
    @ValueSource(strings = {"1", "2", "3", "8", "11", "13", "14", "15"})
    void brokenRunReportsTheLessonsEntryPoint(String number) {
        Scenario s = Scenarios.find(number);
        Outcome broken = s.runBroken(LAB);
        System.err.println("DBG " + number + " " + broken.reports() + " | " + broken.ending() + " | loss " + broken.loss());
        assertEquals(FiniteGuard.Mode.THROW, s.mode());
        NanReport r = broken.first();
        assertTrue(r != null, number + " stayed finite: " + broken.ending());
        assertEquals(s.expected().phase(), r.phase(), r.toString());
        assertEquals(s.expected().op(), r.op(), r.toString());
        assertEquals(s.expected().cause(), r.cause(), r.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "2", "3", "8", "11", "13", "14", "15"})
    void fixedRunStaysFiniteAndReachesTheStatedLoss(String number) {
        Scenario s = Scenarios.find(number);
        long t0 = System.nanoTime();
        Outcome fixed = s.runFixed(LAB);
        System.err.println("DBG fixed " + number + " loss " + fixed.loss() + " " + fixed.ending() + " " + (System.nanoTime() - t0) / 1e6 + " ms " + fixed.reports());
        assertFalse(fixed.nonFinite(), number + " fixed run met a NaN: " + fixed.reports());
        assertTrue(s.expected().metByFixed(fixed), number + " fixed: loss " + fixed.loss() + " " + fixed.ending());
    }
}
