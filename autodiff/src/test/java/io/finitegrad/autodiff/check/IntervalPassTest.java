package io.finitegrad.autodiff.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** The interval pass's own handling of what transfers give it: bugs found by the soundness property. */
class IntervalPassTest {

    /** An op that doubles, whose (wrong) transfer puts NaN at its box's low end. */
    private static final Op NAN_END = new Op() {
        public String name() {
            return "nanEnd";
        }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = x[0].copy();
            for (int i = 0; i < y.data.length; i++) y.data[i] *= 2;
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = g.copy();
            for (int k = 0; k < d.data.length; k++) d.data[k] *= 2;
            return d;
        }

        @Override
        public Range forwardRange(Interval[] x, Precision p) {
            int n = x[0].size();
            double[] lo = new double[n], hi = new double[n];
            for (int k = 0; k < n; k++) {
                lo[k] = Double.NaN;
                hi[k] = 2 * x[0].hi(k);
            }
            return Range.of(Interval.taking(x[0].rows(), x[0].cols(), lo, hi, false));
        }

        @Override
        public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            return Range.of(Interval.full(g.rows(), g.cols(), 2 * g.min(), 2 * g.max()));
        }
    };

    @Test
    void aNaNEndFromATransferIsNotTakenForAFiniteBox() {
        Var w = Var.param("w", Tensor.scalar(1));
        FinitenessReport r = FinitenessCheck.of(in -> Var.apply(NAN_END, in.get("x").mul(w)).sum())
                .input("x", Interval.full(1, 2, -1, 1)).confirm(false).run();
        assertFalse(r.certified(), r::toString);
        assertTrue(r.defects().stream().anyMatch(d -> d.op().equals("nanEnd") && d.phase() == Phase.FORWARD), r::toString);
        // past the finding the box is finite again, and has no NaN end
        for (NodeBounds b : r.bounds()) {
            for (int e = 0; e < b.value().size(); e++) {
                assertFalse(Double.isNaN(b.value().lo(e)) || Double.isNaN(b.value().hi(e)), b::toString);
            }
        }
    }

    @Test
    void pastAFlaggedNodeTheBoxIsTheFormatsFinitePart() {
        Var w = Var.param("w", Tensor.scalar(1));
        // exp over [0, 20] overflows float16 (max 65504); what follows sees at most 65504, so a leakyRelu
        // after it cannot overflow and must not be flagged
        FinitenessReport r = FinitenessCheck.of(in -> in.get("x").mul(w).exp().leakyRelu(0.1).sum())
                .input("x", Interval.full(1, 2, 0, 20)).precision(Precision.FLOAT16).confirm(false).run();
        assertTrue(r.defects().stream().anyMatch(d -> d.op().equals("exp") && d.phase() == Phase.FORWARD), r::toString);
        assertTrue(r.defects().stream().noneMatch(d -> d.op().equals("leakyRelu")), r::toString);
        NodeBounds exp = r.bounds().stream().filter(b -> b.op().equals("exp")).findFirst().orElseThrow();
        assertEquals(Precision.FLOAT16.maxFinite(), exp.value().max());
    }
}
