package io.finitegrad.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** Div's gradient to the divisor where the op's own a / b overflows and the upstream gradient may be 0. */
class ArithmeticRangeTest {
    private static DMatrixRMaj s(double v) {
        return new DMatrixRMaj(1, 1, true, v);
    }

    @Test
    void aZeroUpstreamGradientMeetingAnOverflowedQuotientIsNaNAndTheTransferSaysSo() {
        Arithmetic.Div div = new Arithmetic.Div();
        // Scaled.divGradDivisor(0, 1e300, 1e-10): q = a / b = Inf, then 0 * Inf = NaN (the exact gradient is 0)
        DMatrixRMaj real = div.vjp(1, new DMatrixRMaj[] {s(1e300), s(1e-10)}, s(Double.POSITIVE_INFINITY), s(0));
        assertTrue(Double.isNaN(real.get(0, 0)));
        Range r = div.vjpRange(1, new Interval[] {Interval.scalar(1e300, 1e300), Interval.scalar(1e-10, 1e-10)},
                Interval.scalar(-Double.MAX_VALUE, Double.MAX_VALUE), Interval.scalar(0, 0), Precision.FLOAT64);
        assertTrue(r.value().mayBeNaN(), r.value().toString());
        assertTrue(r.causes().contains(Cause.OVERFLOW), r.causes().toString());
        // an ordinary quotient keeps a zero gradient exactly 0, no NaN
        Range ok = div.vjpRange(1, new Interval[] {Interval.scalar(1, 2), Interval.scalar(3, 4)}, Interval.scalar(0.25, 0.7),
                Interval.scalar(0, 0), Precision.FLOAT64);
        assertFalse(ok.value().mayBeNaN(), ok.value().toString());
        assertTrue(ok.causes().isEmpty(), ok.causes().toString());
    }
}
