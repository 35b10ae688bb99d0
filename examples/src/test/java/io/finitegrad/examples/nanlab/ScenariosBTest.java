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
import org.junit.jupiter.api.Test;

/**
 * Lessons 4, 6, 9, 10, 12 and 18: each broken run shows what its lesson says in its format (and,
 * where the lesson says so, otherwise in another), each fixed run trains to its stated loss.
 */
class ScenariosBTest {
    private static final Lab LAB = Lab.quiet(0);

    private static void holds(Scenario s, Outcome broken, Outcome fixed) {
        assertTrue(s.expected().metByBroken(broken), s.number() + " broken: " + broken.reports() + " " + broken.ending());
        assertTrue(s.expected().metByFixed(fixed), s.number() + " fixed: loss " + fixed.loss() + " " + fixed.ending());
        assertFalse(fixed.nonFinite(), s.number() + " fixed run met a NaN: " + fixed.reports());
    }

    @Test
    void nanWeightIsReportedAtTheParameterAndTracedToTheUpdateThatWroteIt() {
        Scenario s = Scenarios.find("nan-weight");
        assertEquals(10, s.number());
        assertEquals(FiniteGuard.Mode.THROW, s.mode());
        Outcome broken = Scenarios.broken(s, LAB, s.precision());
        NanReport r = broken.first();
        assertNotNull(r, broken.ending());
        assertEquals(Phase.FORWARD, r.phase());
        assertEquals(Cause.NON_FINITE_INPUT, r.cause());
        assertEquals("hidden/W", r.label());
        assertTrue(broken.ending().startsWith("Training diverged at epoch"), broken.ending());
        int applied = broken.losses().length;
        assertTrue(applied > 0, "the NaN arrives mid-training, after good steps");
        // 256 rows in batches of 8: 32 steps an epoch; the watchdog's epoch/batch is the step after the bad update
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("epoch (\\d+), batch (\\d+)").matcher(broken.ending());
        assertTrue(m.find(), broken.ending());
        assertEquals(applied + 1, (Integer.parseInt(m.group(1)) - 1) * 32 + Integer.parseInt(m.group(2)) + 1);
        assertTrue(broken.notes().get(0).endsWith("update at the end of step " + applied), broken.notes().toString());
        Outcome fixed = Scenarios.fixed(s, LAB, s.precision());
        holds(s, broken, fixed);
        assertTrue(fixed.loss() < 0.05, "fixed loss " + fixed.loss());
    }

    @Test
    void rawPixelInputsOverflowTheFirstGradientInFloat16AndDoNotLearnInFloat32() {
        Scenario s = Scenarios.find("6");
        assertEquals("unnormalised-inputs", s.name());
        assertEquals(Precision.FLOAT16, s.precision());
        Outcome broken = Scenarios.broken(s, LAB, Precision.FLOAT16);
        NanReport r = broken.first();
        assertNotNull(r, broken.ending());
        assertEquals(Phase.BACKWARD, r.phase());
        assertEquals(Cause.OVERFLOW, r.cause());
        assertEquals("out/matmul", r.label());
        assertEquals(0, broken.losses().length, "before any step");
        java.util.List<String> notes = broken.notes();
        // pixel values stay below the data check's unit-scale threshold (1e3): it is silent, as the lesson says
        assertTrue(io.finitegrad.optim.data.DataReport.UNIT_SCALE_MAX > 255);
        assertEquals(java.util.List.of("Adam lr 0.01: no step applied, BACKWARD OVERFLOW at out/matmul",
                "SGD lr 0.01: no step applied, BACKWARD OVERFLOW at out/matmul"), notes);
        // float32: the gradient fits; Adam stays finite without learning
        java.util.List<String> wide = Scenarios.broken(s, LAB, Precision.FLOAT32).notes();
        assertTrue(wide.get(0).startsWith("Adam lr 0.01: ") && wide.get(0).contains("finite throughout"), wide.get(0));
        double adamLast = Double.parseDouble(wide.get(0).replaceAll(".*last loss ", ""));
        assertTrue(adamLast > 7.5, "worse than predicting the mean (the target variance is about 7.5): " + adamLast);
        assertTrue(wide.get(1).startsWith("SGD lr 0.01: ") && wide.get(1).contains("finite throughout"), wide.get(1));
        Outcome fixed = Scenarios.fixed(s, LAB, Precision.FLOAT16);
        holds(s, broken, fixed);
        assertTrue(fixed.loss() < 0.15, "fixed loss " + fixed.loss());
    }

    /** The numbers after {@code marker} up to the next ';' (or the end) of a note. */
    private static double[] numbersAfter(String note, String marker) {
        int a = note.indexOf(marker);
        assertTrue(a >= 0, marker + " in " + note);
        String rest = note.substring(a + marker.length());
        int end = rest.indexOf(';');
        String[] parts = (end < 0 ? rest : rest.substring(0, end)).trim().split(" +");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) v[i] = Double.parseDouble(parts[i]);
        return v;
    }

    @Test
    void sigmoidSaturationIsMeasuredNotANaNAndXavierKeepsUnitsOnTheSlope() {
        Scenario s = Scenarios.find("sigmoid-saturation");
        assertEquals(4, s.number());
        assertFalse(s.expected().expectsNaN());
        Outcome broken = Scenarios.broken(s, LAB, s.precision());
        assertFalse(broken.nonFinite(), broken.reports().toString());
        java.util.List<String> notes = broken.notes();
        assertEquals(3, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("N(0,1): ") && notes.get(1).startsWith("Xavier: "), notes.toString());
        double[] slopeNormal = numbersAfter(notes.get(0), "(input first):");
        double[] slopeXavier = numbersAfter(notes.get(1), "(input first):");
        double[] gradNormal = numbersAfter(notes.get(0), "|grad W| per layer:");
        double[] gradXavier = numbersAfter(notes.get(1), "|grad W| per layer:");
        assertEquals(5, slopeNormal.length);
        for (int k = 0; k < 5; k++) {
            assertTrue(slopeNormal[k] < 0.15, "N(0,1) layer " + (k + 1) + " saturated: " + notes.get(0));
            assertTrue(slopeXavier[k] > 0.2, "Xavier layer " + (k + 1) + " on the slope: " + notes.get(1));
        }
        // what really happens: Xavier's gradients shrink toward the input, N(0,1)'s do not
        assertTrue(gradXavier[0] < gradXavier[4] / 100, notes.get(1));
        assertTrue(gradNormal[0] > gradNormal[4] / 100, notes.get(0));
        assertTrue(gradNormal[0] > 10 * gradXavier[0], notes.toString());
        assertTrue(notes.get(2).startsWith("after training with Adam: N(0,1) loss "), notes.get(2));
        Outcome fixed = Scenarios.fixed(s, LAB, s.precision());
        holds(s, broken, fixed);
        // as the lesson says: with Adam, the saturated N(0,1) network still fits its training rows better here
        assertTrue(broken.loss() < fixed.loss(), "N(0,1) " + broken.loss() + " vs Xavier " + fixed.loss());
        assertTrue(fixed.loss() < 0.3, "fixed loss " + fixed.loss());
    }

    @Test
    void nanInDataShowsAFiniteLossAndLocatesTheNaNToItsDataRowAndFeatureThoughTheLossMasksIt() {
        Scenario s = Scenarios.find("nan-in-data");
        assertEquals(9, s.number());
        assertEquals(FiniteGuard.Mode.WARN, s.mode());
        Outcome broken = Scenarios.broken(s, LAB, s.precision());
        assertTrue(Double.isFinite(broken.loss()) && broken.loss() > 0, "the masked loss is finite: " + broken.loss());
        assertEquals(1, broken.reports().size(), broken.reports().toString());
        NanReport r = broken.first();
        assertEquals(Phase.FORWARD, r.phase());
        assertEquals(Cause.NON_FINITE_INPUT, r.cause());
        assertEquals("x", r.label());
        assertEquals("row 58 of sensors.csv (line 59), feature 'pressure'", r.origin());
        assertFalse(r.hiddenBy().isEmpty(), "the loss's where hides the NaN: " + r);
        assertTrue(r.reachedGradients().contains("hidden/W"), r.reachedGradients().toString());
        assertTrue(broken.ending().contains("gradient global norm is NaN"), broken.ending());
        Outcome fixed = Scenarios.fixed(s, LAB, s.precision());
        holds(s, broken, fixed);
        assertTrue(fixed.loss() < 0.1, "fixed loss " + fixed.loss());
    }

    @Test
    void explodingRnnWarnsAtLength25ThenOverflowsFloat32InBackwardAtLength400AndTrainsToLength800WithOrthogonalInitAndClipping() {
        Scenario s = Scenarios.find("exploding-rnn");
        assertEquals(12, s.number());
        assertEquals(Precision.FLOAT32, s.precision());
        Outcome broken = Scenarios.broken(s, LAB, s.precision());
        NanReport r = broken.first();
        assertNotNull(r, broken.ending());
        assertEquals(Phase.BACKWARD, r.phase());
        assertEquals(Cause.OVERFLOW, r.cause());
        assertTrue(r.label().matches("rnn/step\\d+/matmul_1"), r.label());
        java.util.List<String> notes = broken.notes();
        assertEquals(3, notes.size(), notes.toString());
        // the warning comes first, at the shortest length, long before anything is non-finite
        assertTrue(notes.get(0).startsWith("early warning at length 25: layer 'rnn' has gradient norm"), notes.get(0));
        assertTrue(notes.get(1).startsWith("overflow at length 400: OVERFLOW at rnn/step"), notes.get(1));
        assertTrue(broken.ending().startsWith("length 400: Training diverged"), broken.ending());
        double[] norms = broken.gradNorms();
        assertEquals(4, norms.length, "one step at each of 25, 50, 100, 200, none at 400");
        for (int k = 1; k < norms.length; k++) assertTrue(norms[k] > 100 * norms[k - 1], java.util.Arrays.toString(norms));
        assertTrue(norms[3] > 1e20 && norms[3] < 3.4e38, "finite in float32 at 200: " + norms[3]);
        assertTrue(notes.get(2).startsWith("first step's gradient norm by length: T=25: "), notes.get(2));
        Outcome fixed = Scenarios.fixed(s, LAB, s.precision());
        holds(s, broken, fixed);
        assertTrue(fixed.ending().startsWith("length 800: completed"), fixed.ending());
        assertTrue(fixed.loss() < 0.25, "fixed loss " + fixed.loss());
        for (double n : fixed.gradNorms()) assertTrue(n < 1e4, "orthogonal Wh keeps the gradient bounded: " + n);
    }

    @Test
    void theseLessonsHoldForOtherSeedsToo() {
        for (long seed = 1; seed <= 2; seed++) {
            Lab lab = Lab.quiet(seed);
            for (String n : new String[] {"4", "6", "9", "10", "12"}) {
                Scenario s = Scenarios.find(n);
                Outcome broken = Scenarios.broken(s, lab, s.precision());
                Outcome fixed = Scenarios.fixed(s, lab, s.precision());
                assertTrue(s.expected().metByBroken(broken), n + " seed " + seed + " broken: " + broken.reports() + " " + broken.ending());
                assertTrue(s.expected().metByFixed(fixed), n + " seed " + seed + " fixed: loss " + fixed.loss() + " " + fixed.ending());
            }
        }
    }

    @Test
    void gradientsUnderflowToZeroInFloat16ForEveryStepAndDynamicLossScalingRevivesThem() {
        Scenario s = Scenarios.find("fp16-underflow");
        assertEquals(18, s.number());
        assertEquals(Precision.FLOAT16, s.precision());
        Outcome broken = Scenarios.broken(s, LAB, Precision.FLOAT16);
        assertFalse(broken.nonFinite(), "nothing is NaN, the model is frozen: " + broken.reports());
        double[] norms = broken.gradNorms(), losses = broken.losses();
        assertTrue(norms.length >= 50, "steps applied: " + norms.length);
        for (int i = 0; i < 50; i++) assertEquals(0.0, norms[i], "step " + (i + 1) + "'s gradient is exactly 0");
        assertTrue(broken.frozen());
        assertTrue(s.expected().metByBroken(broken));
        assertTrue(broken.notes().get(0).startsWith(norms.length + " of " + norms.length + " steps had a gradient global norm of exactly 0"),
                broken.notes().toString());
        // in float32 the same gradients are ordinary numbers: the loss falls by an order of magnitude
        Outcome wide = Scenarios.broken(s, LAB, Precision.FLOAT32);
        assertFalse(wide.frozen());
        assertTrue(wide.loss() < losses[0] / 10, "float32 loss " + wide.loss() + " from " + losses[0]);
        assertFalse(s.expected().metByFixed(broken), "the frozen loss " + broken.loss() + " stays above the bound");
        Outcome fixed = Scenarios.fixed(s, LAB, Precision.FLOAT16);
        holds(s, broken, fixed);
        for (double g : fixed.gradNorms()) assertTrue(g != 0, "scaled, no gradient underflows to 0");
        assertTrue(fixed.loss() < broken.loss() / 10, "fixed " + fixed.loss() + " vs frozen " + broken.loss());
    }
}
