package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static io.finitegrad.autodiff.guard.Guarded.warn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Hint;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Remedies fit their context: the library code that builds a sub-graph states its own remedy in a
 * name-scope {@link Hint}, ops fall back to their generic advice, and no advice is chosen by
 * matching words in node names.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class RemedyContextTest {

    // ---- hints stated by library scopes -----------------------------------------------------------

    @Test
    void naiveSoftmaxOfVeryNegativeLogitsIs0Over0AndAdvisesTheMaxShiftNotAnEpsilon() {
        // exp(-1000) underflows to 0 in every column, so the row sums to 0 and divides 0 by 0
        NanReport r = throwing(() -> NaiveOps.softmax(Var.input("logits", Tensor.row(-1000, -1000))));
        assertEntry(r, Phase.FORWARD, "div", "naiveSoftmax/div", Cause.ZERO_DIV_ZERO);
        assertTrue(r.remedy().contains("max-shifted softmax"), r.remedy());
        assertFalse(r.remedy().contains("epsilon to the denominator"), r.remedy());
    }

    @Test
    void naiveSigmoidBackwardReportAdvisesTheStableSigmoidNotADoubleWhereThatHasNoWhere() {
        Var z = Var.param("z", Tensor.row(2, -1000));
        Guarded.Run<Var> run = warn(() -> {
            Var s = NaiveOps.sigmoid(z);
            s.sum().backward();
            return s;
        });
        // one root cause, one report: the backward 0 * Inf is a consequence of the forward overflow
        NanReport fwd = run.reports().get(0);
        assertEntry(fwd, Phase.FORWARD, "exp", "naiveSigmoid/exp", Cause.EXP_OVERFLOW);
        assertEquals(1, fwd.consequences().size(), fwd.toString());
        String back = fwd.consequences().get(0);
        assertTrue(back.contains("ZERO_TIMES_INF"), back);
        String remedy = back.substring(back.indexOf("; remedy: "));
        assertFalse(remedy.contains("where"), remedy);
        assertTrue(remedy.contains("branch-stable"), remedy);
    }

    @Test
    void aScopeHintIsTheRemedyOfAnEntryMadeInsideIt() {
        Hint hint = Hint.of("construct Widget with eps > 0");
        NanReport r = throwing(() -> {
            try (var s = Names.scope("widget", hint)) {
                Var.input("x", Tensor.row(0, 1)).log();
            }
        });
        assertEntry(r, Phase.FORWARD, "log", "widget/log", Cause.LOG_OF_ZERO);
        assertEquals("construct Widget with eps > 0", r.remedy());
    }

    @Test
    void theInnermostHintWinsAndAScopeWithoutOneInheritsTheEnclosingHint() {
        Hint outer = Hint.of("outer advice"), inner = Hint.of("inner advice");
        NanReport inherited = throwing(() -> {
            try (var a = Names.scope("a", outer); var b = Names.scope("b")) {
                Var.input("x", Tensor.row(0)).log();
            }
        });
        assertEquals("outer advice", inherited.remedy());
        NanReport innermost = throwing(() -> {
            try (var a = Names.scope("a", outer); var b = Names.scope("b", inner)) {
                Var.input("x", Tensor.row(0)).log();
            }
        });
        assertEquals("inner advice", innermost.remedy());
    }

    @Test
    void aHintForSomeCausesLeavesOtherCausesToTheOpsOwnRemedyAndFallsBackToTheEnclosingHint() {
        Hint eps = Hint.of("add eps", Cause.ZERO_DIV_ZERO);
        Hint outer = Hint.of("outer advice", Cause.EXP_OVERFLOW);
        NanReport overflow = throwing(() -> {
            try (var s = Names.scope("n", eps)) {
                Var.input("x", Tensor.row(800)).exp();
            }
        });
        assertEntry(overflow, Phase.FORWARD, "exp", "n/exp", Cause.EXP_OVERFLOW);
        assertEquals(Cause.EXP_OVERFLOW.remedy(), overflow.remedy());
        NanReport outerApplies = throwing(() -> {
            try (var o = Names.scope("o", outer); var s = Names.scope("n", eps)) {
                Var.input("x", Tensor.row(800)).exp();
            }
        });
        assertEquals("outer advice", outerApplies.remedy());
        NanReport zeroByZero = throwing(() -> {
            try (var s = Names.scope("n", eps)) {
                Var.input("x", Tensor.row(0)).div(Var.input("y", Tensor.row(0)));
            }
        });
        assertEquals("add eps", zeroByZero.remedy());
    }

    @Test
    void theHintIsRecordedWhenTheNodeIsCreatedSoABackwardEntryOutsideTheScopeStillCarriesIt() {
        Var x = Var.param("x", Tensor.row(0, 4));
        Var loss;
        try (var s = Names.scope("norm", Hint.of("compute the norm as sqrt(sum + 1e-12)"))) {
            loss = x.sqrt().sum();
        }
        NanReport r = throwing(loss::backward);
        assertEntry(r, Phase.BACKWARD, "sqrt", "norm/sqrt", Cause.DIV_BY_ZERO);
        assertEquals("compute the norm as sqrt(sum + 1e-12)", r.remedy());
    }

    @Test
    void aHintNeedsARemedy() {
        assertThrows(IllegalArgumentException.class, () -> Hint.of(" "));
        assertThrows(IllegalArgumentException.class, () -> Hint.of(null));
        assertThrows(IllegalArgumentException.class, () -> Names.scope("a", null));
    }

    // ---- no advice from words in node names -------------------------------------------------------

    @Test
    void aUserScopeNamedLikeSoftmaxDoesNotGetSoftmaxAdvice() {
        NanReport r = throwing(() -> {
            try (var s = Names.scope("mySoftmaxAndSigmoid")) {
                Var.input("x", Tensor.row(800)).exp();
            }
        });
        assertEntry(r, Phase.FORWARD, "exp", "mySoftmaxAndSigmoid/exp", Cause.EXP_OVERFLOW);
        assertEquals(Cause.EXP_OVERFLOW.remedy(), r.remedy());
    }

    @Test
    void logOfAStableSoftmaxOpStillAdvisesLogSoftmaxFromTheOperandsOp() {
        NanReport r = throwing(() -> Var.input("z", Tensor.row(0, -1000)).softmax().log());
        assertEntry(r, Phase.FORWARD, "log", r.label(), Cause.LOG_OF_ZERO);
        assertTrue(r.remedy().contains("logSoftmax"), r.remedy());
    }

    // ---- pow at 0 -----------------------------------------------------------------------------------

    @Test
    void powOneHalfAtZeroAdvisesAnEpsilonInsideNotADenominator() {
        Var x = Var.param("x", Tensor.row(0, 4));
        Var loss = x.pow(0.5).sum();
        NanReport r = throwing(loss::backward);
        assertEntry(r, Phase.BACKWARD, "pow", r.label(), Cause.DIV_BY_ZERO);
        assertFalse(r.remedy().contains("/ (y + 1e-8)"), r.remedy());
        assertTrue(r.remedy().contains("pow(x + 1e-12, 0.5)"), r.remedy());
        assertTrue(r.remedy().contains("clamp"), r.remedy());
    }

    // ---- infinite boundary values: masking later does not save the gradient -----------------------

    private static final String NOT_SAVED = "masking the result later (where) will not save the gradient";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"log", "div", "pow"})
    void aForwardInfiniteBoundaryValueSaysMaskingLaterWillNotSaveTheGradient(String which) {
        Var x = Var.input("x", Tensor.row(0, 2));
        NanReport r = throwing(() -> {
            switch (which) {
                case "log" -> x.log();
                case "div" -> Var.input("a", Tensor.row(1, 1)).div(x);
                default -> x.pow(-1);
            }
        });
        assertEquals(Phase.FORWARD, r.phase());
        assertTrue(r.remedy().contains(NOT_SAVED), r.remedy());
        assertTrue(r.remedy().contains("where(mask, x, safe)"), r.remedy());
    }

    @Test
    void theMaskedBranchTrapInThrowModeTellsAtTheForwardLogThatTheMaskWillNotHelp() {
        Var x = Var.param("x", Tensor.row(0, 2, 3));
        NanReport r = throwing(() -> x.log().where(Tensor.row(0, 1, 1), Var.constant(Tensor.zeros(1, 3))));
        assertEntry(r, Phase.FORWARD, "log", r.label(), Cause.LOG_OF_ZERO);
        assertTrue(r.remedy().contains(NOT_SAVED), r.remedy());
        assertTrue(r.remedy().contains("double-where"), r.remedy());
    }

    @Test
    void sqrtAndPowBackwardZeroTimesInfromAMaskOfferTheDoubleWhere() {
        Var x = Var.param("x", Tensor.row(0, 4));
        Var loss = x.sqrt().where(Tensor.row(0, 1), Var.constant(Tensor.zeros(1, 2))).sum();
        NanReport r = throwing(loss::backward);
        assertEntry(r, Phase.BACKWARD, "sqrt", r.label(), Cause.ZERO_TIMES_INF);
        assertTrue(r.remedy().contains("where(mask, x, safe)"), r.remedy());
    }
}
