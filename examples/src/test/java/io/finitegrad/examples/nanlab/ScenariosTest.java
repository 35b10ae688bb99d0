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
import io.finitegrad.core.Precision;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each lesson's broken run shows what its lesson says in its format, and its fixed run trains to the stated loss. */
class ScenariosTest {
    private static final Lab LAB = Lab.quiet(0);

    @Test
    void everyRegisteredLessonHoldsBrokenAndFixed() {
        assertEquals(18, Scenarios.all().size());
        for (Scenario s : Scenarios.all()) {
            Outcome broken = Scenarios.broken(s, LAB, s.precision());
            Outcome fixed = Scenarios.fixed(s, LAB, s.precision());
            assertEquals(s.precision(), broken.precision(), s.number() + " runs in its own format");
            boolean breaksSomewhere = false;
            for (Precision p : Precision.values()) breaksSomewhere |= s.expected().breaksIn(p);
            assertTrue(s.expected().breaksIn(s.precision()) || !breaksSomewhere, s.number()
                    + ": the lesson's format is one it breaks in, or it breaks in none: " + s.expected());
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
    void softmaxOverflowOfRawIrisStopsAtTheExpInFloat16AndTrainsUnchangedInFloat32() {
        Scenario s = Scenarios.find("7");
        assertEquals(Precision.FLOAT16, s.precision());
        Outcome broken = Scenarios.broken(s, LAB, Precision.FLOAT16);
        assertEquals(FiniteGuard.Mode.THROW, s.mode());
        assertEquals(1, broken.reports().size(), broken.reports().toString());
        NanReport r = broken.first();
        assertEquals(Phase.FORWARD, r.phase());
        assertEquals(s.expected().cause(), r.cause());
        assertEquals("naiveSoftmaxCrossEntropy/naiveSoftmax/exp", r.label());
        assertTrue(broken.ending().startsWith("Training diverged at epoch 1, batch 0:"), "before any weight changes: " + broken.ending());
        assertEquals(0, broken.losses().length, "no step was applied");
        // the same textbook setup in float32: its logits stay below 88.72, the naive loss trains
        Outcome wide = Scenarios.broken(s, LAB, Precision.FLOAT32);
        assertFalse(wide.nonFinite(), wide.reports().toString());
        assertTrue(s.expected().metByBroken(wide));
        double fixed = Scenarios.fixed(s, LAB, Precision.FLOAT16).loss();
        assertTrue(Double.isFinite(fixed) && fixed < 0.3, "the stable loss trains on raw Iris: " + fixed);
    }

    @Test
    void maskedBranchShowsAFiniteLossThenTheForwardLogThenTheBackwardEntry() {
        Scenario s = Scenarios.find("masked-branch");
        assertEquals(FiniteGuard.Mode.WARN, s.mode());
        Outcome broken = Scenarios.broken(s, LAB, s.precision());
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
        Outcome fixed = Scenarios.fixed(s, LAB, s.precision());
        assertTrue(fixed.loss() < 0.2, "fixed loss " + fixed.loss());
    }

    @Test
    void learningRateTooHighOverflowsTheSquaredErrorInFloat32AndTrainsWhenLoweredAndClipped() {
        Scenario s = Scenarios.find("5");
        assertEquals(Precision.FLOAT32, s.precision());
        Outcome broken = Scenarios.broken(s, LAB, Precision.FLOAT32);
        NanReport r = broken.first();
        assertNotNull(r, broken.ending());
        assertEquals(Phase.FORWARD, r.phase());
        assertEquals(Cause.OVERFLOW, r.cause());
        assertEquals("mse/pow", r.label());
        assertTrue(r.toString().contains("input 0:   'mse/sub' (sub) 32x1: finite,"), "each error is finite, its square is not: " + r);
        assertTrue(broken.ending().startsWith("Training diverged at epoch"), broken.ending());
        double[] l = broken.losses();
        assertTrue(l.length > 10 && l[l.length - 1] > 1e20 * l[0], "the loss grows geometrically before it overflows");
        assertEquals(List.of("lr 1: first loss 9.743, " + l.length + " steps applied, then OVERFLOW at mse/pow"), broken.notes());
        // float64 has room: the same divergence ends its 30 epochs finite, at an absurd loss
        Outcome wide = Scenarios.broken(s, LAB, Precision.FLOAT64);
        assertFalse(wide.nonFinite(), wide.reports().toString());
        assertTrue(wide.loss() > 1e200, "loss " + wide.loss());
        Outcome fixed = Scenarios.fixed(s, LAB, Precision.FLOAT32);
        assertTrue(fixed.loss() < 0.15, "fixed loss " + fixed.loss());
        for (double n : fixed.gradNorms()) assertTrue(Double.isFinite(n));
    }

    @Test
    void sameSeedSameOutcome() {
        Scenario s = Scenarios.find("16");
        double[] a = Scenarios.fixed(s, Lab.quiet(5), Precision.FLOAT32).losses();
        double[] b = Scenarios.fixed(s, Lab.quiet(5), Precision.FLOAT32).losses();
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

    @Test
    void aPromiseMayDifferPerFormatAndIsReadForTheFormatTheOutcomeRanIn() {
        Expected e = Expected.entry(Phase.FORWARD, "div", Cause.OVERFLOW, 0.5)
                .withFormat(Precision.FLOAT64, Expected.finite(0.25));
        assertEquals("FORWARD at div: OVERFLOW; fixed loss < 0.5000; in float64: no NaN/Inf; fixed loss < 0.2500", e.toString());
        assertEquals(Expected.finite(0.25), e.forFormat(Precision.FLOAT64));
        assertEquals(Expected.entry(Phase.FORWARD, "div", Cause.OVERFLOW, 0.5), e.forFormat(Precision.FLOAT16));
        assertTrue(e.breaksIn(Precision.FLOAT32) && !e.breaksIn(Precision.FLOAT64));
        Outcome finiteIn64 = inFormat(Precision.FLOAT64, () -> Outcome.computed(List.of(), 0.3, "done", List.of()));
        Outcome finiteIn16 = inFormat(Precision.FLOAT16, () -> Outcome.computed(List.of(), 0.3, "done", List.of()));
        assertEquals(Precision.FLOAT16, finiteIn16.precision());
        assertTrue(e.metByBroken(finiteIn64), "finite is what float64 promises");
        assertFalse(e.metByBroken(finiteIn16), "float16 promises an overflow");
        assertFalse(e.metByFixed(finiteIn64), "0.3 is above float64's bound");
        assertTrue(e.metByFixed(finiteIn16));
        assertThrows(IllegalArgumentException.class, () -> e.withFormat(Precision.FLOAT32, e));
        assertThrows(IllegalArgumentException.class, () -> e.withFormat(null, Expected.finite(1)));
    }

    @Test
    void aFrozenPromiseNeedsThatManyStepsWithAZeroGradient() {
        Expected frozen = Expected.frozen(2, 1);
        assertEquals("no NaN/Inf, gradients exactly 0 for 2 steps; fixed loss < 1.000", frozen.toString());
        assertTrue(frozen.breaksIn(Precision.FLOAT16) && !frozen.expectsNaN());
        assertTrue(frozen.metByBroken(new Outcome(List.of(), 1, new double[] {1, 1, 1}, new double[] {0, 0, 3}, "done", List.of())));
        assertFalse(frozen.metByBroken(new Outcome(List.of(), 1, new double[] {1, 1}, new double[] {0, 1e-30}, "done", List.of())));
        assertFalse(frozen.metByBroken(new Outcome(List.of(), 1, new double[] {1}, new double[] {0}, "done", List.of())),
                "one step is not two");
        assertTrue(new Outcome(List.of(), 1, new double[] {1, 1}, new double[] {0, 0}, "done", List.of()).frozen());
        assertThrows(IllegalArgumentException.class, () -> Expected.frozen(0, 1));
    }

    @SuppressWarnings("try") // the scope is opened for its effect: the outcome is made in p
    private static Outcome inFormat(Precision p, java.util.function.Supplier<Outcome> make) {
        try (io.finitegrad.core.Emulation e = Precision.emulate(p)) {
            return make.get();
        }
    }
}
