package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Var#gradientCheckedFinite()} is the one-bit version stamp an optimiser trusts to skip its
 * own scan of a gradient: true only while the backward sweep's finding that the whole gradient is
 * finite still holds, and cleared by every path that writes to the gradient or hands it out for
 * writing.
 */
@SuppressWarnings("try") // guard modes are opened for their effect, never read
class GradientCheckedTest {
    private static Var weight() {
        return Var.param("w", Tensor.row(1.0, -2.0, 3.0));
    }

    private static void backward(Var w) {
        w.mul(Var.constant(Tensor.row(0.5, 0.25, -1.0))).sum().backward();
    }

    @Test
    void aGradientTheSweepCheckedIsMarkedAndStaysSoForReaders() {
        Var w = weight();
        assertFalse(w.gradientCheckedFinite(), "no gradient yet");
        backward(w);
        assertTrue(w.gradientCheckedFinite(), "first contribution, checked by the guard");
        assertSame(w.readGrad(), w.readGrad());
        w.grad();
        assertTrue(w.gradientCheckedFinite(), "readGrad() and grad() (a copy) write nothing");
        backward(w);
        assertTrue(w.gradientCheckedFinite(), "an accumulated sum, scanned in the adding pass");
    }

    @Test
    void everyWritePathClearsTheMark() {
        Var w = weight();
        backward(w);
        w.gradData();
        assertFalse(w.gradientCheckedFinite(), "gradData() hands the storage out for writing");
        backward(w);
        assertTrue(w.gradientCheckedFinite());
        w.zeroGrad();
        assertFalse(w.gradientCheckedFinite(), "zeroGrad() writes");
    }

    @Test
    void nothingIsMarkedWhenTheGuardCheckedNothing() {
        Var w = weight();
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            backward(w);
        }
        assertFalse(w.gradientCheckedFinite(), "the guard was OFF: the optimiser must scan");
    }

    @Test
    void aNonFiniteGradientSeenInWarnModeIsNotMarked() {
        Var w = weight();
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            w.mul(Var.constant(Tensor.row(1e308, 1.0, 1.0))).mul(Var.constant(10.0)).sum().backward();
            assertFalse(w.gradientCheckedFinite(), "an Inf gradient under WARN");
            assertTrue(Double.isInfinite(w.readGrad().data[0]));
        }
        Var v = weight();
        backward(v);
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            v.mul(Var.constant(Tensor.row(1.0, Double.NaN, 1.0))).sum().backward();
        }
        assertFalse(v.gradientCheckedFinite(), "a checked gradient that a later sweep made NaN");
    }

    /** sqrt(w) at w = 0: finite forward, an infinite derivative that enters in backward at the parameter. */
    private static NonFiniteException sqrtAtZero(Var w) {
        return org.junit.jupiter.api.Assertions.assertThrows(NonFiniteException.class, () -> w.sqrt().sum().backward());
    }

    @Test
    void aContributionWrittenStraightIntoAZeroedGradientIsCheckedAndReportedAsBefore() {
        Var fresh = Var.param("w", Tensor.row(4.0, 0.0));
        NanReport first = sqrtAtZero(fresh).report(); // no gradient storage yet: the scratch path
        Var zeroed = Var.param("w", Tensor.row(4.0, 0.0));
        zeroed.mul(Var.constant(2.0)).sum().backward();
        zeroed.zeroGrad();
        NanReport again = sqrtAtZero(zeroed).report(); // zeroed storage: written straight into it
        assertEquals(first.op(), again.op());
        assertEquals(first.phase(), again.phase());
        assertEquals(first.cause(), again.cause());
        assertEquals(first.col(), again.col());
        assertEquals("sqrt", again.op());
        // as when the contribution was added to the zeros: the sum is in the gradient, not marked finite
        assertEquals(0.25, zeroed.readGrad().data[0], 0);
        assertTrue(Double.isInfinite(zeroed.readGrad().data[1]));
        assertFalse(zeroed.gradientCheckedFinite());
        zeroed.zeroGrad();
        zeroed.mul(Var.constant(3.0)).sum().backward();
        assertArrayEquals(new double[] {3, 3}, zeroed.readGrad().data, 0);
        assertTrue(zeroed.gradientCheckedFinite());
    }

    @Test
    void underWarnTheNonFiniteContributionReachesTheZeroedGradientAsItWould() {
        Var w = Var.param("w", Tensor.row(4.0, 0.0));
        w.mul(Var.constant(2.0)).sum().backward();
        w.zeroGrad();
        try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            w.sqrt().sum().backward();
            assertEquals(1, warn.reports().size());
            assertEquals("sqrt", warn.reports().get(0).op());
        }
        assertEquals(0.25, w.readGrad().data[0], 0);
        assertTrue(Double.isInfinite(w.readGrad().data[1]));
        assertFalse(w.gradientCheckedFinite());
    }

    @Test
    void withTheGuardOffTheContributionIsWrittenInAsIs() {
        Var w = Var.param("w", Tensor.row(1.0, 2.0));
        w.mul(Var.constant(2.0)).sum().backward();
        w.zeroGrad();
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            w.matmul(Var.constant(Tensor.column(3.0, -4.0))).sum().backward();
            w.matmul(Var.constant(Tensor.column(1.0, 1.0))).sum().backward();
        }
        assertArrayEquals(new double[] {4, -3}, w.readGrad().data, 0, "the first written in, the second added");
    }
}
