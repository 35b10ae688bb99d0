package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static io.finitegrad.autodiff.guard.Guarded.assertNothingCreatedAfter;
import static io.finitegrad.autodiff.guard.Guarded.labels;
import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static io.finitegrad.autodiff.guard.Guarded.warn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Entry points in the forward pass: the first op that makes a NaN/Inf out of finite operands. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class ForwardEntryTest {

    // ---- log of an underflowed probability inside a naive cross-entropy --------------------------

    /** softmax([0, -1000]) = [1, 0] exactly, and the target sits on the 0. */
    private static Var naiveCrossEntropyOfUnderflow() {
        Var probs = Var.param("logits", Tensor.row(0, -1000)).softmax();
        Var targets = Var.input("targets", Tensor.row(0, 1));
        return NaiveOps.crossEntropy(probs, targets);
    }

    @Test
    void logOfUnderflowedProbabilityThrowsAtTheLog() {
        NanReport r = throwing(ForwardEntryTest::naiveCrossEntropyOfUnderflow);
        assertEntry(r, Phase.FORWARD, "log", "naiveCrossEntropy/log", Cause.LOG_OF_ZERO);
        assertTrue(r.remedy().contains("logSoftmax"), r.remedy());
        assertEquals(0, r.row());
        assertEquals(1, r.col());
        assertEquals(List.of("naiveCrossEntropy/log (log)"), r.path());
        assertNothingCreatedAfter(r);
    }

    @Test
    void logOfUnderflowedProbabilityIsTheOnlyReportAndMulSumDivPropagate() {
        Guarded.Run<Var> run = warn(ForwardEntryTest::naiveCrossEntropyOfUnderflow);
        assertEquals(List.of("naiveCrossEntropy/log"), labels(run.reports()));
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.FORWARD, "log", "naiveCrossEntropy/log", Cause.LOG_OF_ZERO);
        assertTrue(r.remedy().contains("logSoftmax"), r.remedy());
        assertEquals(List.of("naiveCrossEntropy/log (log)", "naiveCrossEntropy/mul (mul)",
                "naiveCrossEntropy/sum (sum)", "naiveCrossEntropy/div (div)"), r.path());
        assertEquals(3, r.propagationCount());
        assertEquals(Double.POSITIVE_INFINITY, run.result().item());
    }

    // ---- naive softmax of large logits -------------------------------------------------------------

    private static Var naiveSoftmaxOfLargeLogits() {
        return NaiveOps.softmax(Var.input("logits", Tensor.of(new double[][] {{1, 2, 3}, {1000, 999.5, 0}})));
    }

    @Test
    void naiveSoftmaxThrowsAtExpBeforeSumAndDivExist() {
        NanReport r = throwing(ForwardEntryTest::naiveSoftmaxOfLargeLogits);
        assertEntry(r, Phase.FORWARD, "exp", "naiveSoftmax/exp", Cause.EXP_OVERFLOW);
        assertEquals(1, r.row());
        assertEquals(0, r.col());
        assertTrue(r.remedy().contains("max-shifted softmax"), r.remedy());
        assertNothingCreatedAfter(r);
    }

    @Test
    void naiveSoftmaxReportsExpOnceAndItsPathRunsThroughSumRowsAndDiv() {
        Guarded.Run<Var> run = warn(ForwardEntryTest::naiveSoftmaxOfLargeLogits);
        assertEquals(List.of("naiveSoftmax/exp"), labels(run.reports()));
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.FORWARD, "exp", "naiveSoftmax/exp", Cause.EXP_OVERFLOW);
        assertEquals(List.of("naiveSoftmax/exp (exp)", "naiveSoftmax/sumRows (sumRows)", "naiveSoftmax/div (div)"),
                r.path());
        assertEquals(2, r.propagationCount());
        assertTrue(Double.isNaN(run.result().value().get(1, 0)), "inf / inf in the division");
        assertEquals(1.0, run.result().value().get(0, 0) + run.result().value().get(0, 1)
                + run.result().value().get(0, 2), 1e-12, "the finite row is untouched");
    }

    // ---- divisions ---------------------------------------------------------------------------------

    private static Var divide(double a, double b) {
        Var num = Var.input("num", Tensor.of(2, 2, 1, 2, 3, a));
        Var den = Var.input("den", Tensor.of(2, 2, 1, 1, 1, b));
        Var q;
        try (var s = Names.scope("ratio")) {
            q = num.div(den);
        }
        return q.mul(2.0).sum();
    }

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({"0, 0, ZERO_DIV_ZERO", "1, 1e-310, OVERFLOW", "1, 0, DIV_BY_ZERO", "-3, 0, DIV_BY_ZERO"})
    void divisionThrowsAtTheDiv(double a, double b, Cause cause) {
        NanReport r = throwing(() -> divide(a, b));
        assertEntry(r, Phase.FORWARD, "div", "ratio/div", cause);
        assertEquals(1, r.row());
        assertEquals(1, r.col());
        assertNothingCreatedAfter(r);
    }

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({"0, 0, ZERO_DIV_ZERO", "1, 1e-310, OVERFLOW", "1, 0, DIV_BY_ZERO"})
    void divisionIsTheOnlyReportAndTheMulAndSumPropagate(double a, double b, Cause cause) {
        Guarded.Run<Var> run = warn(() -> divide(a, b));
        assertEquals(List.of("ratio/div"), labels(run.reports()));
        assertEntry(run.reports().get(0), Phase.FORWARD, "div", "ratio/div", cause);
        assertEquals(2, run.reports().get(0).propagationCount());
        assertFalse(Double.isFinite(run.result().item()));
    }

    // ---- naive sigmoid at -1000 --------------------------------------------------------------------

    @Test
    void naiveSigmoidThrowsAtExp() {
        NanReport r = throwing(() -> NaiveOps.sigmoid(Var.input("z", Tensor.row(2, -1000))));
        assertEntry(r, Phase.FORWARD, "exp", "naiveSigmoid/exp", Cause.EXP_OVERFLOW);
        assertEquals(1, r.col());
        assertTrue(r.remedy().contains("branch-stable"), r.remedy());
        assertNothingCreatedAfter(r);
    }

    @Test
    void naiveSigmoidOverflowIsHiddenByTheFinalDivAndReturnsInBackward() {
        Var z = Var.param("z", Tensor.row(2, -1000));
        Guarded.Run<Var> run = warn(() -> {
            Var s = NaiveOps.sigmoid(z);
            s.sum().backward();
            return s;
        });
        assertEquals(0.0, run.result().value().get(0, 1), "1 / (1 + inf) = 0: finite again");
        assertEquals(List.of("naiveSigmoid/exp"), labels(run.reports()), "the backward NaN is a consequence");
        NanReport fwd = run.reports().get(0);
        assertEntry(fwd, Phase.FORWARD, "exp", "naiveSigmoid/exp", Cause.EXP_OVERFLOW);
        assertEquals(List.of("naiveSigmoid/div (div)"), fwd.hiddenBy());
        assertEquals(List.of("naiveSigmoid/exp (exp)", "naiveSigmoid/add (add)"), fwd.path(),
                "the add carries the Inf; the div hides it");
        // the hidden Inf comes back: d/dx exp = exp(1000) = inf meets the zero gradient from 1/inf
        assertEquals(1, fwd.consequences().size(), fwd.toString());
        assertTrue(fwd.consequences().get(0).contains("ZERO_TIMES_INF"), fwd.consequences().get(0));
        assertEquals(List.of("z"), fwd.reachedGradients());
        assertTrue(Double.isNaN(z.grad().get(0, 1)));
        assertTrue(Double.isFinite(z.grad().get(0, 0)));
    }

    // ---- matmul overflow, then Inf - Inf -----------------------------------------------------------

    private static final double BIG = 1e200;

    private static Var twoOverflowingMatmulsSubtracted(double w21) {
        Var x = Var.input("x", Tensor.of(2, 2, 1, 1, BIG, BIG));
        Var w1 = Var.param("w1", Tensor.of(2, 1, BIG, BIG));
        Var w2 = Var.param("w2", Tensor.of(2, 1, BIG, w21));
        Var h1, h2;
        try (var s = Names.scope("layer1")) {
            h1 = x.matmul(w1);
        }
        try (var s = Names.scope("layer2")) {
            h2 = x.matmul(w2);
        }
        return h1.sub(h2).sum();
    }

    @Test
    void matmulOverflowThrowsAtTheFirstMatmul() {
        NanReport r = throwing(() -> twoOverflowingMatmulsSubtracted(BIG));
        assertEntry(r, Phase.FORWARD, "matmul", "layer1/matmul", Cause.OVERFLOW);
        assertEquals(1, r.row());
        assertEquals(0, r.col());
        assertNothingCreatedAfter(r);
    }

    @Test
    void bothMatmulsAreEntriesAndTheInfMinusInfSubIsPropagation() {
        Guarded.Run<Var> run = warn(() -> twoOverflowingMatmulsSubtracted(BIG));
        assertEquals(List.of("layer1/matmul", "layer2/matmul"), labels(run.reports()));
        assertEntry(run.reports().get(0), Phase.FORWARD, "matmul", "layer1/matmul", Cause.OVERFLOW);
        assertEntry(run.reports().get(1), Phase.FORWARD, "matmul", "layer2/matmul", Cause.OVERFLOW);
        assertTrue(Double.isNaN(run.result().item()), "inf - inf");
        assertTrue(run.reports().stream().noneMatch(r -> r.op().equals("sub") || r.op().equals("sum")));
    }

    @Test
    void matmulMixingSignsIsInfMinusInfAtTheMatmul() {
        Guarded.Run<Var> run = warn(() -> twoOverflowingMatmulsSubtracted(-BIG));
        assertEquals(List.of("layer1/matmul", "layer2/matmul"), labels(run.reports()));
        assertEntry(run.reports().get(0), Phase.FORWARD, "matmul", "layer1/matmul", Cause.OVERFLOW);
        assertEntry(run.reports().get(1), Phase.FORWARD, "matmul", "layer2/matmul", Cause.INF_MINUS_INF);
        assertEquals(1, run.reports().get(1).row());
    }
}
