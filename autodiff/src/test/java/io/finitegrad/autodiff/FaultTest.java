package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** What a custom op's diagnosis sees: names and values of the node and its operands, never nodes. */
class FaultTest {
    /** 1 / x, whose diagnosis quotes everything the fault tells it. */
    private static final Op RECIPROCAL = new Op() {
        public String name() { return "reciprocal"; }

        public boolean elementwise() { return true; }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj y = new DMatrixRMaj(x[0].numRows, x[0].numCols);
            for (int i = 0; i < y.getNumElements(); i++) y.data[i] = 1 / x[0].data[i];
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = new DMatrixRMaj(g.numRows, g.numCols);
            for (int k = 0; k < d.getNumElements(); k++) d.data[k] = -g.data[k] * y.data[k] * y.data[k];
            return d;
        }

        public Diagnosis diagnose(Fault f) {
            return Diagnosis.of(Cause.DIV_BY_ZERO, f.op() + " '" + f.nodeName() + "' of " + f.operandOp(0) + " '"
                    + f.operandName(0) + "' = " + f.x(0) + " at " + f.where());
        }
    };

    @Test
    void aCustomDiagnosisReadsTheNamesAndValuesTheGuardPutInTheFault() {
        Var x = Var.input("x", Tensor.row(2, 0));
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> Var.apply(RECIPROCAL, x).label("r"));
        NanReport r = e.report();
        assertEquals(Cause.DIV_BY_ZERO, r.cause());
        assertEquals("reciprocal '#1 reciprocal' of input 'x' = 0.0 at (0, 1)", r.detail()); // numbered by the report
    }

    @Test
    void aFaultMadeByHandReadsTheOffendingElementWithBroadcasting() {
        DMatrixRMaj x = new DMatrixRMaj(new double[][] {{3}});
        DMatrixRMaj y = new DMatrixRMaj(new double[][] {{1, Double.NaN}});
        Fault f = new Fault(Phase.FORWARD, -1, "op", "node", new String[] {"a"}, new String[] {"param"},
                new DMatrixRMaj[] {x}, y, null, y, 0, 1);
        assertEquals(3.0, f.x(0));
        assertTrue(Double.isNaN(f.badValue()));
        assertTrue(Double.isNaN(f.g()), "no upstream gradient in forward");
        assertEquals("a", f.operandName(0));
    }

    @Test
    void aFaultRejectsNamesThatDoNotMatchTheOperands() {
        DMatrixRMaj x = new DMatrixRMaj(1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Fault(Phase.FORWARD, -1,
                "op", "node", new String[0], new String[0], new DMatrixRMaj[] {x}, x, null, x, 0, 0));
        assertEquals("Fault: 1 operand values but 0 names and 0 op names", e.getMessage());
    }
}
