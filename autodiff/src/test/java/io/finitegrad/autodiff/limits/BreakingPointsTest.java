package io.finitegrad.autodiff.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.NaiveKernels;
import java.util.List;
import java.util.function.UnaryOperator;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Breaking points agree with the analytic thresholds: exp(x) overflows above ln(Double.MAX_VALUE)
 * = 709.782712893384 and underflows to 0 below ln(2^-1075) = -745.1332191019412; a square
 * overflows above sqrt(Double.MAX_VALUE).
 */
class BreakingPointsTest {
    private static final double LN_MAX = 709.782712893383973096; // ln(1.7976931348623157e308), to 21 digits
    private static final double LN_UNDERFLOW = -745.13321910194110842; // ln(2^-1075): exp rounds to 0 below it

    private static void assertNear(double expected, double actual) {
        assertEquals(expected, actual, 1e-9 * Math.abs(expected), "breaking point");
    }

    private static Var pair(Var x) {
        return Var.concatCols(x, Var.constant(0));
    }

    @Test
    void naiveSoftmaxBreaksWhereExpOverflowsAndTheStableOneNever() {
        BreakingPoint p = BreakingPoints.search(x -> NaiveOps.softmax(pair(x)), 0, 1000);
        assertTrue(p.found());
        assertNear(LN_MAX, p.at());
        assertEquals(Math.nextUp(Math.log(Double.MAX_VALUE)), p.at(), "the first double whose exp overflows");
        assertEquals(Math.log(Double.MAX_VALUE), p.lastFinite());
        assertFalse(p.inGradient());
        assertEquals(Cause.EXP_OVERFLOW, p.cause());
        assertEquals(Phase.FORWARD, p.phase());
        assertEquals("naiveSoftmax/exp", p.node());
        BreakingPoint stable = BreakingPoints.search(x -> pair(x).softmax(), 0, 1000);
        assertFalse(stable.found());
        assertEquals("none in [0.0, 1000.0]", stable.toString());
        assertNull(stable.cause());
    }

    @Test
    void naiveSigmoidsGradientBreaksAtMinus709WhileItsValueStaysFinite() {
        BreakingPoint p = BreakingPoints.search(NaiveOps::sigmoid, 0, -1000);
        assertNear(-LN_MAX, p.at());
        assertTrue(p.inGradient(), "1/(1 + Inf) = 0 is finite; its gradient is not");
        assertEquals(Cause.EXP_OVERFLOW, p.cause());
        assertTrue(p.toString().startsWith("x = -709.7827128933841: gradient non-finite; entry exp 'naiveSigmoid/exp'"), p.toString());
        assertFalse(BreakingPoints.search(Var::sigmoid, 0, -1000).found());
    }

    @Test
    void logOfSumOfExpBreaksAt709AndLogSumExpNever() {
        assertNear(LN_MAX, BreakingPoints.search(x -> NaiveOps.logSumExp(pair(x)), 0, 1e4).at());
        assertNear(LN_MAX, BreakingPoints.search(NaiveOps::softplus, 0, 1e4).at());
        assertFalse(BreakingPoints.search(x -> pair(x).logSumExp(), -1e6, 1e6).found());
    }

    @Test
    void expUnderflowAndSquareOverflowAreFoundToo() {
        // log(exp(x)) on a detached copy: exp rounds to 0 below ln(2^-1075), and log(0) = -Inf (with
        // the gradient through it, 1/exp(x) would overflow first, at -709.78)
        BreakingPoint underflow = BreakingPoints.search(x -> x.detach().exp().log().add(x.mul(0)), 0, -1000);
        assertNear(LN_UNDERFLOW, underflow.at());
        assertEquals(Cause.LOG_OF_ZERO, underflow.cause());
        BreakingPoint square = BreakingPoints.search(Var::square, 1, 1e200);
        assertEquals(Math.nextUp(Math.sqrt(Double.MAX_VALUE)), square.at());
        assertEquals(Cause.OVERFLOW, square.cause());
    }

    @Test
    void theCoreNaiveKernelsBreakAtTheirThresholds() {
        // core's scalar kernels wrapped as ops without a diagnosis: the guard's generic cause
        Op naiveSigmoid = unary("coreNaiveSigmoid", NaiveKernels::sigmoid);
        Op naiveSoftplus = unary("coreNaiveSoftplus", NaiveKernels::softplus);
        assertNear(LN_MAX, BreakingPoints.search(x -> Var.apply(naiveSoftplus, x), 0, 1000).at());
        // 1 / (1 + exp(-x)) is 0, not NaN, for x below -709.78: finite all the way
        assertFalse(BreakingPoints.search(x -> Var.apply(naiveSigmoid, x), 0, -1000).found());
    }

    private static Op unary(String name, java.util.function.DoubleUnaryOperator f) {
        return new Op() {
            public String name() { return name; }
            public DMatrixRMaj forward(DMatrixRMaj[] x) {
                DMatrixRMaj y = x[0].createLike();
                for (int i = 0; i < y.data.length; i++) y.data[i] = f.applyAsDouble(x[0].data[i]);
                return y;
            }
            public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
                return g.copy(); // not differentiated here: only the forward breaks
            }
        };
    }

    @Test
    void aGradientOnlyBreakIsFoundExactlyAtZero() {
        // sqrt(x) is 0 at 0 and its derivative infinite; sqrt of a negative is NaN further on
        BreakingPoint p = BreakingPoints.search(Var::sqrt, 1, -1);
        assertEquals(0.0, p.at());
        assertEquals(Double.MIN_VALUE, p.lastFinite());
        assertTrue(p.inGradient());
        assertEquals(Phase.BACKWARD, p.phase());
        assertEquals(Cause.DIV_BY_ZERO, p.cause());
    }

    @Test
    void aGraphBrokenAtTheStartBreaksThere() {
        BreakingPoint p = BreakingPoints.search(Var::log, -1, 1);
        assertEquals(-1.0, p.at());
        assertTrue(Double.isNaN(p.lastFinite()));
        assertEquals(Cause.LOG_OF_NEGATIVE, p.cause());
    }

    @Test
    void searchesAcrossZeroAndTheWholeRangeWithoutOverflow() {
        // coming from -MAX, the gradient -1/x^2 of 1/x overflows first, once |x| < 1/sqrt(MAX): the
        // coarse step holding it spans -7e305 to 0, and the bisection walks the doubles in order
        BreakingPoint p = BreakingPoints.search(x -> x.rdiv(1), -Double.MAX_VALUE, Double.MAX_VALUE);
        assertTrue(p.found());
        assertTrue(p.inGradient());
        assertNear(-1 / Math.sqrt(Double.MAX_VALUE), p.at());
        assertEquals(Cause.OVERFLOW, p.cause());
    }

    @Test
    void everyTwinsNaiveFormulaBreaksAtAnExpLimitAndItsStableTwinNever() {
        List<Twins.Twin> twins = Twins.all();
        assertTrue(twins.size() >= 7);
        for (Twins.Twin t : twins) {
            BreakingPoint naive = t.naiveLimit();
            assertTrue(naive.found(), t.name());
            assertNear(Math.signum(t.to()) * LN_MAX, naive.at());
            assertFalse(t.stableLimit().found(), t.name() + ": " + t.stableLimit());
        }
    }

    @Test
    void badIntervalsAreRefused() {
        UnaryOperator<Var> id = x -> x;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BreakingPoints.search(id, 0, Double.POSITIVE_INFINITY));
        assertTrue(e.getMessage().contains("Infinity"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BreakingPoints.search(id, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> BreakingPoints.search(null, 0, 1));
    }

    @Test
    void ordinalsOrderTheDoubles() {
        double[] sorted = {-Double.MAX_VALUE, -1, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, 1, Double.MAX_VALUE};
        for (int i = 1; i < sorted.length; i++) {
            assertTrue(BreakingPoints.ordinal(sorted[i - 1]) < BreakingPoints.ordinal(sorted[i]), sorted[i - 1] + " < " + sorted[i]);
        }
        for (double v : sorted) assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(BreakingPoints.fromOrdinal(BreakingPoints.ordinal(v))));
        assertEquals(1, BreakingPoints.ordinal(0.0) - BreakingPoints.ordinal(-0.0));
    }
}
