package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Diagnosis;
import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.IntervalGemm;
import io.finitegrad.core.Precision;

import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.core.Gemm;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/** Matrix product (through {@link Gemm}, EJML or OpenBLAS) and transpose (EJML's {@code CommonOps_DDRM}). */
public final class Linear {
    private Linear() {
    }

    private static final String REMEDY = "weights or activations are too large: use Xavier/He initialisation,"
            + " normalise inputs, lower the learning rate, clip gradients";

    /** {@code A @ B}. */
    public static final class MatMul implements Op {
        public String name() { return "matmul"; }
        public String symbol() { return "@"; }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            DMatrixRMaj a = x[0], b = x[1];
            if (a.numCols != b.numRows) throw new ShapeException("inner dimensions differ");
            DMatrixRMaj y = Results.scratch(a.numRows, b.numCols); // every Gemm kernel overwrites it
            Gemm.mult(a, b, y);
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            return vjpInto(i, x, y, g, Results.scratch(x[i].numRows, x[i].numCols));
        }

        /**
         * {@link IntervalGemm}'s midpoint-radius product: three real products per interval product
         * (two for a point left factor); OVERFLOW or INF_MINUS_INF where it may leave the range,
         * including where the midpoint product cancels but a partial sum of the real one overflows.
         */
        @Override public Range forwardRange(Interval[] x, Precision p) {
            if (!Ranges.finite(x)) return Ranges.anything(x[0].rows(), x[1].cols());
            return overflowing(IntervalGemm.mult(x[0], x[1]));
        }

        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            if (!Ranges.finite(x[0], x[1], g)) return Ranges.anything(x[i].rows(), x[i].cols());
            return overflowing(i == 0 ? IntervalGemm.multTransB(g, x[1]) : IntervalGemm.multTransA(x[0], g));
        }

        private static Range overflowing(Interval v) {
            return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW, Cause.INF_MINUS_INF);
        }

        @Override public DMatrixRMaj vjpInto(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g, DMatrixRMaj out) {
            if (i == 0) Gemm.multTransB(g, x[1], out); // g @ B^T
            else Gemm.multTransA(x[0], g, out); // A^T @ g
            return out;
        }

        public Diagnosis diagnose(Fault f) {
            int r = f.row(), c = f.col();
            DMatrixRMaj left, right;
            String what;
            if (!f.backward()) {
                left = rowOf(f.operandValue(0), r);
                right = colOf(f.operandValue(1), c);
                what = "row " + r + " of '" + f.operandName(0) + "' . column " + c + " of '" + f.operandName(1) + "'";
            } else if (f.operand() == 0) {
                left = rowOf(f.upstream(), r);
                right = rowOf(f.operandValue(1), c);
                what = "row " + r + " of the upstream gradient . row " + c + " of '" + f.operandName(1) + "'";
            } else {
                left = colOf(f.operandValue(0), r);
                right = colOf(f.upstream(), c);
                what = "column " + r + " of '" + f.operandName(0) + "' . column " + c + " of the upstream gradient";
            }
            double pos = 0, neg = 0, biggest = 0;
            for (int k = 0; k < left.data.length; k++) {
                double p = left.data[k] * right.data[k];
                if (p > 0) pos += p; else neg += p;
                if (Math.abs(p) > Math.abs(biggest) || Double.isInfinite(p)) biggest = p;
            }
            String detail = what + " at " + f.where() + ": max |a| = " + Arithmetic.maxAbs(left) + ", max |b| = "
                    + Arithmetic.maxAbs(right) + ", largest product " + biggest + ", positive terms sum to " + pos
                    + ", negative to " + neg;
            if (Double.isNaN(f.badValue())) return new Diagnosis(Cause.INF_MINUS_INF, detail
                    + ": the sum met +Inf and -Inf", REMEDY);
            return new Diagnosis(Cause.OVERFLOW, detail + ": the dot product left " + InFormat.range(f.precision()), REMEDY);
        }
    }

    static DMatrixRMaj rowOf(DMatrixRMaj m, int r) {
        DMatrixRMaj out = new DMatrixRMaj(1, m.numCols);
        System.arraycopy(m.data, r * m.numCols, out.data, 0, m.numCols);
        return out;
    }

    static DMatrixRMaj colOf(DMatrixRMaj m, int c) {
        DMatrixRMaj out = new DMatrixRMaj(1, m.numRows);
        for (int r = 0; r < m.numRows; r++) out.data[r] = m.data[r * m.numCols + c];
        return out;
    }

    /** {@code A^T}. */
    public static final class Transpose implements Op {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        public String name() { return "transpose"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return Range.of(Ranges.transpose(x[0])); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            return Range.of(Ranges.transpose(g));
        }
        public DMatrixRMaj forward(DMatrixRMaj[] x) { return CommonOps_DDRM.transpose(x[0], Results.scratch(x[0].numCols, x[0].numRows)); }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            return CommonOps_DDRM.transpose(g, Results.scratch(g.numCols, g.numRows));
        }
    }
}
