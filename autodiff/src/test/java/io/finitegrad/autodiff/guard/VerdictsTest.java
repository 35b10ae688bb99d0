package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static io.finitegrad.autodiff.guard.Guarded.labels;
import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static io.finitegrad.autodiff.guard.Guarded.warn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** Each verdict names what actually happened at the element, not a generic overflow. */
@SuppressWarnings("try") // guard scopes are opened for their effect on the nodes created inside
class VerdictsTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    /** A node made while the guard was OFF, so the guard never saw its values. */
    private static Var unguarded(String name, double... values) {
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            return Var.input(name, Tensor.row(values)).mul(1.0).label(name);
        }
    }

    @Test
    void minusInfMinusMinusInfIsInfMinusInf() {
        Var a = unguarded("a", 1, -INF), b = unguarded("b", 2, -INF);
        NanReport r = throwing(() -> a.sub(b));
        assertEntry(r, Phase.FORWARD, "sub", r.label(), Cause.INF_MINUS_INF);
        assertEquals(1, r.col());
        assertFalse(r.detail().contains("from finite operands"), r.detail());
    }

    @Test
    void infPlusMinusInfIsInfMinusInf() {
        Var a = unguarded("a", INF), b = unguarded("b", -INF);
        assertEquals(Cause.INF_MINUS_INF, throwing(() -> a.add(b)).cause());
    }

    @Test
    void zeroTimesInfIsZeroTimesInf() {
        Var a = unguarded("a", 0), b = unguarded("b", INF);
        NanReport r = throwing(() -> a.mul(b));
        assertEquals(Cause.ZERO_TIMES_INF, r.cause(), r.toString());
        assertFalse(r.detail().contains("from finite operands"), r.detail());
    }

    @Test
    void aNaNAlreadyInAnOperandMadeUnderOffIsReportedAsThatOperandsNaN() {
        Var a = unguarded("early", 1, Double.NaN);
        Var b = Var.input("b", Tensor.row(1, 2));
        for (NanReport r : List.of(throwing(() -> a.add(b)), throwing(() -> a.sub(b)), throwing(() -> a.mul(b)))) {
            assertEquals(Cause.NON_FINITE_INPUT, r.cause(), r.toString());
            assertTrue(r.detail().contains("'early'"), r.detail());
            assertTrue(r.detail().contains("guard was OFF"), r.detail());
            assertFalse(r.detail().contains("from finite operands"), r.detail());
            assertFalse(r.remedy().contains("keep activations small"), r.remedy());
        }
    }

    @Test
    void aNaNFromACustomOpThatKeptWritingItsOutputIsNamedAsTheOperands() {
        DMatrixRMaj[] kept = new DMatrixRMaj[1];
        Op leaky = new Op() {
            public String name() { return "leaky"; }
            public DMatrixRMaj forward(DMatrixRMaj[] x) {
                kept[0] = x[0].copy();
                return kept[0];
            }
            public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) { return g.copy(); }
        };
        Var out = Var.apply(leaky, Var.input("x", Tensor.row(1, 2))).label("leaky_out");
        kept[0].data[1] = Double.NaN; // breaks the contract: the op writes its output after returning it
        NanReport r = throwing(() -> out.mul(Var.constant(3)));
        assertEquals(Cause.NON_FINITE_INPUT, r.cause(), r.toString());
        assertTrue(r.detail().contains("'leaky_out'"), r.detail());
    }

    @Test
    void aNaNWrittenThroughTheReadOnlyStorageIsNamedAsWrittenThroughRead() {
        Var w = Var.param("w", Tensor.row(1, 2));
        w.read().data[1] = Double.NaN; // breaks read()'s contract: the guard is not told
        NanReport r = throwing(() -> w.add(Var.input("x", Tensor.row(1, 1))));
        assertEquals(Cause.NON_FINITE_INPUT, r.cause(), r.toString());
        assertTrue(r.detail().contains("'w' holds NaN that no guarded op made: its storage was changed through read()"), r.detail());
        assertEquals(1, r.col());
    }

    @Test
    void finiteOperandsThatOverflowAreStillOverflowFromFiniteOperands() {
        NanReport r = throwing(() -> Var.input("a", Tensor.row(1e308)).add(Var.input("b", Tensor.row(1e308))));
        assertEquals(Cause.OVERFLOW, r.cause());
        assertTrue(r.detail().contains("from finite operands"), r.detail());
    }

    @Test
    void logSumExpOfAFullyMaskedRowHasItsOwnDiagnosis() {
        Var w = Var.param("w", Tensor.row(1, 2));
        Var mask;
        try (var allowed = FiniteGuard.allowNonFinite("padding mask")) {
            mask = Var.input("mask", Tensor.of(2, 2, 0, 0, -INF, -INF));
        }
        Var scores = Var.concatRows(w, w).add(mask);
        Guarded.Run<Var> run = warn(() -> {
            Var l = scores.logSumExp().sum();
            l.backward();
            return l;
        });
        assertEquals(1, run.reports().size(), run.reports().toString());
        NanReport r = run.reports().get(0);
        assertEquals(Cause.FULLY_MASKED_ROW, r.cause(), r.toString());
        assertEquals(1, r.row());
        assertTrue(r.remedy().contains("large finite negative"), r.remedy());
    }

    @Test
    void anInfEntryIsReportedOnceThroughForwardAndBackward() {
        Var w = Var.param("w", Tensor.row(0, 2));
        Guarded.Run<Var> run = warn(() -> {
            Var l = w.log().sum();
            l.backward();
            return l;
        });
        assertEquals(1, run.reports().size(), "the Inf gradient of log(0) is a consequence of the forward entry: "
                + labels(run.reports()));
        assertEntry(run.reports().get(0), Phase.FORWARD, "log", run.reports().get(0).label(), Cause.LOG_OF_ZERO);
        assertEquals(List.of("w"), run.reports().get(0).reachedGradients());
        assertTrue(Double.isInfinite(w.grad().get(0, 0)));
        assertEquals(run.reports().get(0).entryId(), w.gradientReport().entryId());
    }

    @Test
    void aNodeMadeUnderOffSaysTheGuardWasOffNotThatSitesWere() {
        Var w = Var.param("w", Tensor.row(0, 4));
        Var loss;
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            loss = w.sqrt().sum();
        }
        assertTrue(loss.site().contains("guard was OFF"), loss.site());
        Guarded.Run<Var> run = warn(() -> {
            loss.backward();
            return loss;
        });
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.BACKWARD, "sqrt", r.label(), Cause.DIV_BY_ZERO);
        assertTrue(r.site().contains("guard was OFF"), r.site());
        assertFalse(r.site().contains("creation sites were off"), r.site());
    }

    @Test
    void sitesSwitchedOffStillSaySo() {
        Var loss;
        try (var sites = FiniteGuard.captureSites(false)) {
            loss = Var.param("w", Tensor.row(1)).sqrt();
        }
        assertTrue(loss.site().contains("creation sites were off"), loss.site());
    }

    @Test
    void anOverflowOfAGradientNeverZeroedSaysHowManyBackwardCallsItSummed() {
        Var w = Var.param("w", Tensor.row(1));
        Var big = Var.constant(1e308);
        Guarded.Run<Var> run = warn(() -> {
            for (int k = 0; k < 3; k++) w.mul(big).sum().backward();
            return w;
        });
        assertEquals(1, run.reports().size(), run.reports().toString());
        NanReport r = run.reports().get(0);
        assertEquals(Cause.OVERFLOW, r.cause());
        assertTrue(r.detail().contains("accumulated over 2 backward calls"), r.detail());
        assertTrue(r.remedy().contains("zeroGrad()"), r.remedy());
    }

    @Test
    void zeroGradRestartsTheCount() {
        Var w = Var.param("w", Tensor.row(1));
        Var big = Var.constant(1e308);
        w.mul(big).sum().backward();
        w.zeroGrad();
        w.mul(big).sum().backward();
        assertTrue(w.grad().isFinite(), "a zeroed gradient holds one backward's worth");
    }

    @Test
    void aNaNWrittenThroughReadAfterTheForwardIsNamedAsWrittenThroughReadInBackward() {
        Var x = Var.input("x", Tensor.row(1, 2));
        Var w = Var.param("w", Tensor.row(3, 4));
        Var h = x.mul(w);
        Var l = h.mul(w).sum();
        w.read().set(0, 0, Double.NaN); // breaks read()'s contract after the forward checked w
        NanReport r = throwing(l::backward);
        assertEquals(Phase.BACKWARD, r.phase(), r.toString());
        assertEquals(Cause.NON_FINITE_INPUT, r.cause(), r.toString());
        assertTrue(r.detail().contains("'w' holds NaN that no guarded op made: its storage was changed through read()"
                + " or EJML after it was checked"), r.detail());
        assertFalse(r.remedy().contains("build it with the guard on"), r.remedy());
    }

    @Test
    void anOperandWrittenByTheOpReadingItIsNotBlamedOnItsMaker() {
        Op scribbler = new Op() {
            public String name() { return "scribbler"; }
            public DMatrixRMaj forward(DMatrixRMaj[] x) {
                x[0].data[0] = Double.NaN; // breaks the contract: an op must not write its operand
                return x[0].copy();
            }
            public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) { return g.copy(); }
        };
        Var h = Var.input("x", Tensor.row(1, 2)).mul(Var.param("w", Tensor.row(3, 4))).label("h");
        NanReport r = throwing(() -> Var.apply(scribbler, h));
        assertEquals(Cause.NON_FINITE_INPUT, r.cause(), r.toString());
        assertTrue(r.detail().contains("finite when 'h' (mul) was created and checked; its storage was written"
                + " afterwards — by an op that modified its operand, or by code holding its storage"), r.detail());
        assertFalse(r.detail().contains("its op ("), r.detail());
        assertFalse(r.detail().contains("when mul returned it"), r.detail());
    }
}
