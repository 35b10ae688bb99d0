package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Precision;
import io.finitegrad.examples.nanlab.scenarios.FullyMaskedAttention;
import io.finitegrad.examples.nanlab.scenarios.SqrtAtZero;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lessons 1, 2, 3, 8, 11, 13, 14, 15 and 17: each broken run stops (THROW) where its lesson says in
 * each format it breaks in, at the node it names and after the number of good steps it describes,
 * and stays finite in the formats its lesson says hold it; each fixed run stays finite and trains
 * below its stated loss, also where the fix needs a format-appropriate constant (14, 15 in float16).
 */
class ScenariosATest {
    private static final Lab LAB = Lab.quiet(0);

    @ParameterizedTest(name = "lesson {0} in {1} stops at {4} ({2} {3}) after {5} to {6} good steps")
    @CsvSource({
        // 1: in the first epoch, when the batch holding the tiny target comes (4 batches an epoch)
        "1,  FLOAT16,  FORWARD,  OVERFLOW,         relativeError/div,          0, 3",
        // 2: only once training has made the classifier confident (10 batches an epoch); float16 at once
        "2,  FLOAT32,  FORWARD,  UNDERFLOW_TO_ZERO, naiveCrossEntropy/log,      10, 30",
        "2,  BFLOAT16, FORWARD,  UNDERFLOW_TO_ZERO, naiveCrossEntropy/log,      10, 30",
        "2,  FLOAT16,  FORWARD,  UNDERFLOW_TO_ZERO, naiveCrossEntropy/log,      0, 0",
        "3,  FLOAT16,  FORWARD,  OVERFLOW,         dense9/matmul,              0, 0",
        "8,  FLOAT32,  FORWARD,  ZERO_DIV_ZERO,    shareLoss/div,              0, 0",
        "8,  FLOAT16,  FORWARD,  ZERO_DIV_ZERO,    shareLoss/div,              0, 0",
        "11, FLOAT32,  FORWARD,  EXP_OVERFLOW,     naiveSigmoid/exp,           0, 0",
        "11, FLOAT16,  FORWARD,  EXP_OVERFLOW,     naiveSigmoid/exp,           0, 0",
        "13, FLOAT32,  FORWARD,  ZERO_DIV_ZERO,    norm/normalize/div,         0, 0",
        "14, FLOAT32,  BACKWARD, ZERO_TIMES_INF,   siamese/sqrt,               0, 0",
        "14, FLOAT16,  BACKWARD, ZERO_TIMES_INF,   siamese/sqrt,               0, 0",
        "15, FLOAT32,  FORWARD,  INF_MINUS_INF,    attention/softmax,          0, 0",
        "17, FLOAT16,  FORWARD,  OVERFLOW,         unitLength/sumRows,         0, 0",
    })
    void brokenRunStopsAtTheLessonsEntryPoint(String number, Precision format, Phase phase, Cause cause, String label,
                                              int minSteps, int maxSteps) {
        Scenario s = Scenarios.find(number);
        assertEquals(FiniteGuard.Mode.THROW, s.mode());
        Outcome broken = Scenarios.broken(s, LAB, format);
        assertEquals(format, broken.precision());
        assertTrue(s.expected().metByBroken(broken), number + ": " + broken.reports() + " " + broken.ending());
        assertEquals(1, broken.reports().size(), broken.reports().toString());
        NanReport r = broken.first();
        assertEquals(phase, r.phase(), r.toString());
        assertEquals(cause, r.cause(), r.toString());
        assertEquals(label, r.label(), r.toString());
        assertEquals(s.expected().forFormat(format).phase(), r.phase());
        assertEquals(s.expected().forFormat(format).cause(), r.cause());
        int steps = broken.losses().length;
        assertTrue(steps >= minSteps && steps <= maxSteps, "steps applied before the guard stopped the run: " + steps);
    }

    @ParameterizedTest(name = "lesson {0}'s textbook setup stays finite in {1}")
    @CsvSource({"1, FLOAT64", "1, FLOAT32", "1, BFLOAT16", "2, FLOAT64", "3, FLOAT32", "3, BFLOAT16", "11, FLOAT64",
        "17, FLOAT64", "17, FLOAT32", "17, BFLOAT16"})
    void brokenRunStaysFiniteInAWiderFormat(String number, Precision format) {
        Scenario s = Scenarios.find(number);
        Outcome broken = Scenarios.broken(s, LAB, format);
        assertFalse(broken.nonFinite(), number + " in " + format + ": " + broken.reports());
        assertFalse(s.expected().breaksIn(format), "the lesson says it holds in " + format);
        assertTrue(s.expected().metByBroken(broken));
        assertTrue(Scenarios.formats(s).contains("in " + "float64"), Scenarios.formats(s));
    }

    @ParameterizedTest(name = "lesson {0}'s fixed run trains in {1}")
    @CsvSource({"1, FLOAT16", "2, FLOAT32", "3, FLOAT16", "8, FLOAT32", "11, FLOAT32", "13, FLOAT32", "14, FLOAT32",
        "14, FLOAT16", "15, FLOAT32", "15, FLOAT16", "17, FLOAT16"})
    void fixedRunStaysFiniteAndReachesTheStatedLoss(String number, Precision format) {
        Scenario s = Scenarios.find(number);
        Outcome fixed = Scenarios.fixed(s, LAB, format);
        assertFalse(fixed.nonFinite(), number + " fixed run met a NaN: " + fixed.reports());
        assertTrue(fixed.ending().startsWith("completed"), fixed.ending());
        assertTrue(s.expected().metByFixed(fixed), number + " fixed: loss " + fixed.loss() + " " + fixed.ending());
        assertEquals(fixed.losses().length, fixed.gradNorms().length);
    }

    @ParameterizedTest(name = "lesson {0}")
    @ValueSource(strings = {"14"})
    void sqrtAtZeroHasAFiniteForwardAndAZeroUpstreamGradient(String number) {
        Outcome broken = Scenarios.broken(Scenarios.find(number), LAB, Precision.FLOAT32);
        assertTrue(Double.isFinite(broken.loss()), "the forward pass is clean: loss " + broken.loss());
        NanReport r = broken.first();
        assertNotNull(r);
        assertTrue(r.toString().contains("1/(2 sqrt(0))"), r.toString());
    }

    @ParameterizedTest(name = "lesson {0}")
    @ValueSource(strings = {"1", "2", "3", "8", "11", "13", "14", "15", "17"})
    void lessonStatesItsNameFixExpectationAndFormats(String number) {
        Scenario s = Scenarios.find(number);
        assertEquals(Integer.parseInt(number), s.number());
        assertEquals(s, Scenarios.find(s.name()));
        assertTrue(s.name().matches("[a-z0-9-]+"), s.name());
        assertFalse(s.breaks().isBlank() || s.lesson().isBlank() || s.fix().isBlank());
        assertTrue(s.expected().expectsNaN());
        // the text names the lesson's format: float16's 65,504 or 11.09, or float32's numbers
        assertTrue(s.lesson().contains(s.precision().label()), s.lesson());
    }

    @org.junit.jupiter.api.Test
    void formatAppropriateConstantsOfTheFixes() {
        assertEquals(1e-12, SqrtAtZero.epsilon(Precision.FLOAT32));
        assertEquals(Math.scalb(1.0, -14), SqrtAtZero.epsilon(Precision.FLOAT16));
        assertEquals(-1e9, FullyMaskedAttention.maskValue(Precision.FLOAT32));
        assertEquals(-65504.0, FullyMaskedAttention.maskValue(Precision.FLOAT16));
    }
}
