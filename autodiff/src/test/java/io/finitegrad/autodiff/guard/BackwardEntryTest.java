package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static io.finitegrad.autodiff.guard.Guarded.labels;
import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static io.finitegrad.autodiff.guard.Guarded.warn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Entry points in the backward pass: a finite forward whose gradient turns non-finite. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class BackwardEntryTest {

    // ---- sqrt at 0 ---------------------------------------------------------------------------------

    private static Var sqrtLoss(Var x) {
        try (var s = Names.scope("norm")) {
            return x.sqrt().sum();
        }
    }

    @Test
    void sqrtAtZeroThrowsInBackwardBeforeTheGradientIsUsed() {
        Var x = Var.param("x", Tensor.row(0, 4));
        Var loss = sqrtLoss(x);
        assertEquals(2.0, loss.item(), "the forward is finite");
        NanReport r = throwing(loss::backward);
        assertEntry(r, Phase.BACKWARD, "sqrt", "norm/sqrt", Cause.DIV_BY_ZERO);
        assertEquals(0, r.operand());
        assertEquals(0, r.row());
        assertEquals(0, r.col());
        assertFalse(x.hasGrad(), "THROW stops before the Inf is summed into x's gradient");
    }

    @Test
    void sqrtAtZeroIsOneBackwardReport() {
        Var x = Var.param("x", Tensor.row(0, 4));
        Guarded.Run<Var> run = warn(() -> {
            Var loss = sqrtLoss(x);
            loss.backward();
            return loss;
        });
        assertEquals(List.of("norm/sqrt"), labels(run.reports()));
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.BACKWARD, "sqrt", "norm/sqrt", Cause.DIV_BY_ZERO);
        assertEquals(0, r.operand());
        assertEquals(List.of("norm/sqrt (sqrt)", "norm/sum (sum)"), r.path());
        assertEquals(List.of("x"), r.reachedGradients());
        assertEquals(Double.POSITIVE_INFINITY, x.grad().get(0, 0));
        assertEquals(0.25, x.grad().get(0, 1), 1e-15);
    }

    @Test
    void aForwardNaNIsNotReportedAgainWhenItsOwnGradientCarriesIt() {
        Var x = Var.param("x", Tensor.row(4, -1));
        Guarded.Run<Var> run = warn(() -> {
            Var loss = sqrtLoss(x);
            loss.backward();
            return loss;
        });
        assertEquals(List.of("norm/sqrt"), labels(run.reports()), "0.5 / sqrt(-1) is the forward NaN, not a new one");
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.FORWARD, "sqrt", "norm/sqrt", Cause.SQRT_OF_NEGATIVE);
        assertEquals(List.of("x"), r.reachedGradients());
        assertTrue(Double.isNaN(x.grad().get(0, 1)));
        assertEquals(0.25, x.grad().get(0, 0), 1e-15);
    }

    // ---- masked select: -Inf forward, 0 * Inf backward ---------------------------------------------

    private static final Tensor MASK = Tensor.row(0, 1, 1);

    @Test
    void maskedLogReportsTheHiddenForwardEntryAndTheBackwardZeroTimesInf() {
        Var x = Var.param("x", Tensor.row(0, 2, 3)); // 0 exactly where the mask drops it
        Guarded.Run<Var> run = warn(() -> {
            Var loss;
            try (var s = Names.scope("masked")) {
                loss = x.log().where(MASK, Var.constant(Tensor.zeros(1, 3))).sum();
            }
            loss.backward();
            return loss;
        });
        assertTrue(Double.isFinite(run.result().item()), "the loss itself is finite");
        assertEquals(Math.log(2) + Math.log(3), run.result().item(), 1e-12);
        assertEquals(1, run.reports().size(), "one root cause, log(0): " + run.reports());
        NanReport fwd = run.reports().get(0);
        assertEntry(fwd, Phase.FORWARD, "log", "masked/log", Cause.LOG_OF_ZERO);
        assertEquals(List.of("masked/where (where)"), fwd.hiddenBy());
        assertEquals(1, fwd.consequences().size(), fwd.toString());
        String back = fwd.consequences().get(0);
        assertTrue(back.contains("gradient to operand 0") && back.contains("ZERO_TIMES_INF"), back);
        assertTrue(back.contains("double-where"), back);
        assertTrue(fwd.toString().contains("then:"), fwd.toString());
        assertTrue(fwd.toJson().matches("(?s).*\"consequences\"\\s*:\\s*\\[\\s*\"backward through log.*"), fwd.toJson());
        assertEquals(List.of("x"), fwd.reachedGradients());
        assertTrue(Double.isNaN(x.grad().get(0, 0)));
        assertEquals(0.5, x.grad().get(0, 1), 1e-15);
    }

    @Test
    void maskedLogInThrowModeStopsAtTheForwardLog() {
        Var x = Var.param("x", Tensor.row(0, 2, 3));
        NanReport r = throwing(() -> {
            try (var s = Names.scope("masked")) {
                x.log().where(MASK, Var.constant(Tensor.zeros(1, 3)));
            }
        });
        assertEntry(r, Phase.FORWARD, "log", "masked/log", Cause.LOG_OF_ZERO);
        assertTrue(r.hiddenBy().isEmpty(), "THROW stopped before the where existed");
        Guarded.assertNothingCreatedAfter(r);
    }

    @Test
    void doubleWhereFixGivesNoReportAndFiniteGradients() {
        Var x = Var.param("x", Tensor.row(0, 2, 3));
        Guarded.Run<Var> run = warn(() -> {
            Var safe = x.where(MASK, Var.constant(Tensor.ones(1, 3)));
            Var loss = safe.log().where(MASK, Var.constant(Tensor.zeros(1, 3))).sum();
            loss.backward();
            return loss;
        });
        assertEquals(List.of(), run.reports());
        assertEquals(Math.log(2) + Math.log(3), run.result().item(), 1e-12);
        assertEquals(Tensor.row(0, 0.5, 1.0 / 3), x.grad());
    }

    // ---- gradient accumulation overflow ------------------------------------------------------------

    /** Two consumers each send a finite 1e308 to p; the forward stays near 1e298. */
    private static Var twoConsumersOf(Var p) {
        return p.mul(1e308).sum().add(p.mul(1.5e308).sum());
    }

    @Test
    void accumulatedGradientOverflowIsReportedAtTheParameter() {
        Var p = Var.param("p", Tensor.scalar(1e-10));
        Guarded.Run<Var> run = warn(() -> {
            Var loss = twoConsumersOf(p);
            loss.backward();
            return loss;
        });
        assertTrue(Double.isFinite(run.result().item()));
        assertEquals(List.of("p"), labels(run.reports()));
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.BACKWARD, "param", "p", Cause.OVERFLOW);
        assertEquals(Double.POSITIVE_INFINITY, p.grad().item());
    }

    @Test
    void accumulatedGradientOverflowThrowsInBackward() {
        Var p = Var.param("p", Tensor.scalar(1e-10));
        Var loss = twoConsumersOf(p);
        NanReport r = throwing(loss::backward);
        assertEntry(r, Phase.BACKWARD, "param", "p", Cause.OVERFLOW);
    }
}
