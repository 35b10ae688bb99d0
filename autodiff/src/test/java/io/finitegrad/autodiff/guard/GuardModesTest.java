package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** WARN computes exactly what OFF computes; OFF checks nothing; THROW and WARN check every node. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class GuardModesTest {

    /** The loss value and the parameters' gradients, flattened. */
    private record Outcome(double loss, List<double[]> grads) {
    }

    /**
     * A graph with entries in both passes: log(0) and log(-1) hidden by a where, sqrt(0) in
     * backward, and a finite branch whose gradients stay finite.
     */
    private static Outcome build() {
        Var x = Var.param("x", Tensor.row(0, 2, -1, 0.5));
        Var y = Var.param("y", Tensor.row(1, 0, 3, 4));
        Var v = Var.param("v", Tensor.of(2, 2, 0.3, -0.7, 1.1, 0.2));
        Tensor mask = Tensor.row(0, 1, 1, 1);
        Var masked = x.log().where(mask, Var.constant(Tensor.zeros(1, 4))).sum();
        Var root = y.sqrt().sum();
        Var dense = v.matmul(v).tanh().softmax().logSoftmax().mean();
        Var loss = masked.add(root).add(dense);
        loss.backward();
        List<double[]> grads = new ArrayList<>();
        for (Var p : List.of(x, y, v)) grads.add(p.grad().toFlatArray());
        return new Outcome(loss.item(), grads);
    }

    private static void assertSameBits(double off, double warn, String what) {
        if (Double.isNaN(off)) assertTrue(Double.isNaN(warn), what + ": OFF gave NaN, WARN " + warn);
        else assertEquals(Double.doubleToLongBits(off), Double.doubleToLongBits(warn), what + ": " + off + " vs " + warn);
    }

    @Test
    void warnContinuesAndComputesBitForBitWhatOffComputes() {
        Outcome off, warn;
        int reports;
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            off = build();
        }
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            warn = build();
            reports = g.reports().size();
        }
        assertTrue(reports >= 2, "the graph has entries, WARN must have gone on past them");
        assertSameBits(off.loss(), warn.loss(), "loss");
        boolean sawNaN = false, sawFinite = false;
        for (int p = 0; p < off.grads().size(); p++) {
            for (int i = 0; i < off.grads().get(p).length; i++) {
                double o = off.grads().get(p)[i];
                sawNaN |= Double.isNaN(o);
                sawFinite |= Double.isFinite(o);
                assertSameBits(o, warn.grads().get(p)[i], "gradient " + p + "[" + i + "]");
            }
        }
        assertTrue(sawNaN && sawFinite, "the comparison covers NaN and finite gradients");
    }

    @Test
    void offPerformsNoChecksAndNeverThrows() {
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            Var bad = Var.input("bad", Tensor.row(Double.NaN, 1));
            Var w = Var.param("w", Tensor.row(0, Double.POSITIVE_INFINITY));
            Var loss = bad.add(w).log().add(w.sqrt()).div(Var.constant(0)).sum();
            loss.backward();
            assertTrue(Double.isNaN(loss.item()));
            assertEquals(0, g.checks());
            assertEquals(List.of(), g.reports());
        }
    }

    @Test
    void throwAndWarnCheckEveryNode() {
        long throwChecks, warnChecks;
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.THROW)) {
            Var w = Var.param("w", Tensor.row(1, 2));
            w.mul(w).sum().backward();
            throwChecks = g.checks();
        }
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var w = Var.param("w", Tensor.row(1, 2));
            w.mul(w).sum().backward();
            warnChecks = g.checks();
            assertFalse(g.reports().iterator().hasNext());
        }
        // forward: leaf w, mul (w read twice), sum; backward: sum -> mul, mul -> w twice
        assertTrue(throwChecks >= 6, "THROW checked " + throwChecks);
        assertEquals(throwChecks, warnChecks);
    }
}
