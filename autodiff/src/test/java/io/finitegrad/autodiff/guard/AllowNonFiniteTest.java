package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static io.finitegrad.autodiff.guard.Guarded.labels;
import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static io.finitegrad.autodiff.guard.Guarded.warn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A -Inf attention mask is non-finite on purpose; only the NaN it may lead to is an entry. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class AllowNonFiniteTest {
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private static Var mask(double[][] rows) {
        try (AutoCloseable allowed = FiniteGuard.allowNonFinite("attention mask")) {
            return Var.input("mask", Tensor.of(rows));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Var attention(Var scores, Var mask) {
        try (var s = Names.scope("attn")) {
            return scores.add(mask).softmax();
        }
    }

    private static Var scores() {
        return Var.param("scores", Tensor.of(new double[][] {{1, 2, 3}, {0.5, -1, 2}}));
    }

    @Test
    void minusInfinityMaskIsNotReportedAndTrainsFinitely() {
        Var scores = scores();
        Guarded.Run<Var> run = warn(() -> {
            Var attn = attention(scores, mask(new double[][] {{0, NEG_INF, 0}, {NEG_INF, 0, 0}}));
            attn.mul(Var.constant(Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}}))).sum().backward();
            return attn;
        });
        assertEquals(List.of(), run.reports());
        assertTrue(run.result().value().isFinite());
        assertEquals(0.0, run.result().value().get(0, 1), "masked out");
        assertTrue(scores.grad().isFinite());
        assertEquals(0.0, scores.grad().get(1, 0), 0.0, "no gradient through a masked score");
    }

    @Test
    void fullyMaskedRowIsReportedAtTheSoftmaxNamingTheMask() {
        Guarded.Run<Var> run = warn(() -> attention(scores(), mask(new double[][] {{0, NEG_INF, 0}, {NEG_INF, NEG_INF, NEG_INF}})));
        assertEquals(List.of("attn/softmax"), labels(run.reports()));
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.FORWARD, "softmax", "attn/softmax", Cause.INF_MINUS_INF);
        assertEquals(1, r.row());
        assertEquals(1, r.allowedInputs().size(), r.allowedInputs().toString());
        String allowed = r.allowedInputs().get(0);
        assertTrue(allowed.contains("attn/add") && allowed.contains("mask") && allowed.contains("attention mask"), allowed);
        assertTrue(r.toString().contains("attention mask"), r.toString());
        assertTrue(run.result().value().get(0, 0) > 0, "the partly masked row is fine");
    }

    @Test
    void fullyMaskedRowThrowsAtTheSoftmax() {
        NanReport r = throwing(() -> attention(scores(), mask(new double[][] {{NEG_INF, NEG_INF, NEG_INF}, {0, 0, 0}})));
        assertEntry(r, Phase.FORWARD, "softmax", "attn/softmax", Cause.INF_MINUS_INF);
        assertEquals(0, r.row());
        Guarded.assertNothingCreatedAfter(r);
    }

    @Test
    void fullyMaskedRowIsOneEntryThroughBackward() {
        Var scores = scores();
        Guarded.Run<Var> run = warn(() -> {
            Var attn = attention(scores, mask(new double[][] {{0, NEG_INF, 0}, {NEG_INF, NEG_INF, NEG_INF}}));
            attn.sum().backward();
            return attn;
        });
        assertEquals(List.of("attn/softmax"), labels(run.reports()), "the NaN gradient of the NaN row is not a new entry");
        assertEquals(List.of("scores"), run.reports().get(0).reachedGradients());
        assertTrue(Double.isNaN(scores.grad().get(1, 0)));
        assertTrue(Double.isFinite(scores.grad().get(0, 0)));
    }

    // ---- the precise allow-list: only marked values and what propagates from them -------------------

    @Test
    void zeroOverZeroMadeInsideTheScopeIsStillAnEntry() {
        Var w = Var.param("w", Tensor.row(0, 2));
        NanReport r = throwing(() -> {
            try (var allowed = FiniteGuard.allowNonFinite("attention mask")) {
                w.div(w);
            }
        });
        assertEquals(Cause.ZERO_DIV_ZERO, r.cause(), r.toString());
        assertEquals("div", r.op());
    }

    @Test
    void zeroOverZeroInsideTheScopeGivesWsNaNGradientAReport() {
        Var w = Var.param("w", Tensor.row(0, 2));
        Guarded.Run<Var> run = warn(() -> {
            Var l;
            try (var allowed = FiniteGuard.allowNonFinite("attention mask")) {
                l = w.div(w).sum();
            }
            l.backward();
            return l;
        });
        assertEquals(1, run.reports().size(), run.reports().toString());
        assertEquals(Cause.ZERO_DIV_ZERO, run.reports().get(0).cause());
        assertTrue(Double.isNaN(w.grad().get(0, 0)));
        NanReport g = w.gradientReport();
        assertTrue(g != null, "the NaN gradient of w has a report");
        assertEquals(run.reports().get(0).entryId(), g.entryId());
    }

    @Test
    void overflowFromFiniteOperandsInsideTheScopeIsAnEntry() {
        NanReport r = throwing(() -> {
            try (var allowed = FiniteGuard.allowNonFinite("attention mask")) {
                Var.input("a", Tensor.row(1e308)).mul(10.0);
            }
        });
        assertEquals(Cause.OVERFLOW, r.cause(), r.toString());
    }

    @Test
    void propagationFromAMarkedValueInsideTheScopeIsAllowed() {
        Guarded.Run<Var> run = warn(() -> {
            try (var allowed = FiniteGuard.allowNonFinite("attention mask")) {
                Var m = Var.input("mask", Tensor.row(0, NEG_INF));
                return m.add(Var.input("s", Tensor.row(1, 2))).mul(2.0);
            }
        });
        assertEquals(List.of(), run.reports());
        assertEquals(NEG_INF, run.result().value().get(0, 1));
    }

    @Test
    void aNaNMadeFromAMarkedValueInsideTheScopeNamesTheMarksReason() {
        for (boolean times : new boolean[] {false, true}) {
            NanReport r = throwing(() -> {
                try (var allowed = FiniteGuard.allowNonFinite("causal mask")) {
                    Var m = Var.input("mask", Tensor.row(0, NEG_INF));
                    if (times) Var.constant(Tensor.row(1, 0)).mul(m);
                    else m.sub(m);
                }
            });
            assertEquals(times ? Cause.ZERO_TIMES_INF : Cause.INF_MINUS_INF, r.cause(), r.toString());
            assertTrue(String.join(",", r.allowedInputs()).contains("causal mask"), r.toString());
        }
    }

    // ---- the first new element, and allowed values whose gradients reach a parameter -----------------

    @Test
    void aNewNaNBesideAnAllowedInfinityIsDiagnosedAtTheNewElement() {
        Var mask, rowMax;
        try (var allowed = FiniteGuard.allowNonFinite("mask")) {
            mask = Var.input("mask", Tensor.of(new double[][] {{0, NEG_INF}, {NEG_INF, NEG_INF}}));
            rowMax = Var.input("rowMax", Tensor.of(new double[][] {{0}, {NEG_INF}}));
        }
        Var sc = Var.param("sc", Tensor.of(new double[][] {{1, 1}, {1, 1}}));
        NanReport r = throwing(() -> sc.add(mask).sub(rowMax));
        assertEntry(r, Phase.FORWARD, "sub", r.label(), Cause.INF_MINUS_INF);
        assertEquals(1, r.row(), r.toString());
        assertEquals(0, r.col(), r.toString());
        assertFalse(r.remedy().contains("build it with the guard on"), r.remedy());
        assertFalse(r.remedy().contains("overflow"), r.remedy());
        assertTrue(r.remedy().contains("-1e9"), r.remedy());
        assertTrue(String.join(",", r.allowedInputs()).contains("mask"), r.toString());
    }

    /** (x W - y)^2 with x's NaN rows masked out after the square: the NaN comes back as NaN * 0 in backward. */
    private static Var maskedSquaredError(Var x, Var w) {
        Var y = Var.input("y", Tensor.of(new double[][] {{1}, {2}, {3}}));
        Tensor keep = Tensor.of(new double[][] {{1}, {0}, {1}});
        return x.matmul(w).sub(y).square().where(keep, Var.constant(Tensor.zeros(3, 1))).sum().div(2);
    }

    private static Var missingRow() {
        try (var allowed = FiniteGuard.allowNonFinite("missing rows are masked")) {
            return Var.input("x", Tensor.of(new double[][] {{1, 2}, {Double.NaN, 1}, {3, 1}}));
        }
    }

    @Test
    void anAllowedNaNThatReachesAParametersGradientIsReportedNamingTheMark() {
        Var x = missingRow();
        Var w = Var.param("W", Tensor.of(new double[][] {{0.5}, {-0.5}}));
        Guarded.Run<Var> run = warn(() -> {
            Var loss = maskedSquaredError(x, w);
            loss.backward();
            return loss;
        });
        assertTrue(Double.isFinite(run.result().item()), "the masked loss is finite");
        assertTrue(Double.isNaN(w.grad().get(0, 0)));
        assertEquals(1, run.reports().size(), run.reports().toString());
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.BACKWARD, "pow", r.label(), Cause.NON_FINITE_INPUT);
        assertEquals(1, r.row(), r.toString());
        assertEquals(List.of("W"), r.reachedGradients());
        assertTrue(String.join(",", r.allowedInputs()).contains("missing rows are masked"), r.toString());
        assertTrue(r.detail().contains("'x'") && r.detail().contains("missing rows are masked"), r.detail());
        assertFalse(r.detail().contains("overflow"), r.detail());
        assertTrue(r.remedy().contains("where(mask, x, 0)"), r.remedy());
        NanReport g = w.gradientReport();
        assertNotNull(g, "W's NaN gradient has a report");
        assertEquals(r.entryId(), g.entryId());
        assertEquals(Phase.BACKWARD, g.phase());
    }

    @Test
    void anAllowedNaNThatReachesAParametersGradientThrowsBeforeTheParameterIsTouched() {
        Var x = missingRow();
        Var w = Var.param("W", Tensor.of(new double[][] {{0.5}, {-0.5}}));
        Var loss = maskedSquaredError(x, w);
        NanReport r = throwing(loss::backward);
        assertEntry(r, Phase.BACKWARD, "pow", r.label(), Cause.NON_FINITE_INPUT);
        assertTrue(r.detail().contains("missing rows are masked"), r.detail());
        assertFalse(w.hasGrad(), "the guard stops before the parameter's gradient is written");
    }

    @Test
    void anAllowedInfinityWhoseGradientsStayFiniteIsNotReportedInBackward() {
        Var scores = scores();
        Guarded.Run<Var> run = warn(() -> {
            Var l = attention(scores, mask(new double[][] {{0, NEG_INF, 0}, {NEG_INF, 0, NEG_INF}})).square().sum();
            l.backward();
            return l;
        });
        assertEquals(List.of(), run.reports());
        assertTrue(scores.grad().isFinite());
        assertEquals(null, scores.gradientReport());
    }

    @Test
    void anAllowedNaNGradientThatAMaskStopsBeforeAnyParameterIsNotReported() {
        Var x;
        try (var allowed = FiniteGuard.allowNonFinite("missing rows are masked")) {
            x = Var.input("x", Tensor.of(new double[][] {{1}, {Double.NaN}, {3}}));
        }
        Var w = Var.param("W", Tensor.of(new double[][] {{0.5}, {-0.5}, {2}}));
        Tensor keep = Tensor.of(new double[][] {{1}, {0}, {1}});
        Var zeros = Var.constant(Tensor.zeros(3, 1));
        for (FiniteGuard.Mode mode : new FiniteGuard.Mode[] {FiniteGuard.Mode.WARN, FiniteGuard.Mode.THROW}) {
            w.zeroGrad();
            try (FiniteGuard.Scope g = FiniteGuard.mode(mode)) {
                // the NaN gradient of the masked row dies in the first where's vjp, before W
                w.where(keep, zeros).add(x).square().where(keep, zeros).sum().backward();
                assertEquals(List.of(), g.reports(), mode.toString());
            }
            assertTrue(w.grad().isFinite(), mode + ": " + w.grad());
            assertEquals(null, w.gradientReport(), mode.toString());
        }
    }
}
