package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NanReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The watchdog's advice, at the end of the Trainer's "Training diverged" message, follows the
 * guard's report: its cause and its remedy, never a stock "values grew out of range: lower the
 * learning rate" that the report contradicts (a fully masked row, a tiny divisor, huge initial
 * weights, all stopped before the first step), in each lesson's own format.
 */
class DivergenceAdviceScenariosTest {
    @ParameterizedTest
    @ValueSource(strings = {"masked-attention", "tiny-divisor", "large-weights"})
    void theAdviceIsTheReportsRemedyForItsCause(String name) {
        Scenario s = Scenarios.find(name);
        Outcome broken = Scenarios.broken(s, Lab.quiet(0), s.precision());
        NanReport report = broken.first();
        assertNotNull(report, broken.ending());
        String ending = broken.ending();
        assertTrue(ending.startsWith("Training diverged"), ending);
        assertTrue(ending.contains(report.remedy()), "the report's remedy '" + report.remedy() + "' is not the advice: " + ending);
        assertTrue(ending.contains(report.cause().name()), "the cause " + report.cause() + " is not named: " + ending);
        assertFalse(ending.contains("Values grew out of range"), ending);
    }
}
