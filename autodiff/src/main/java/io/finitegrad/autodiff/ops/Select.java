package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;

import io.finitegrad.autodiff.op.ShapeException;
import org.ejml.data.DMatrixRMaj;

/** Masked selection, the op behind the classic "finite loss, NaN gradient" trap. */
public final class Select {
    private Select() {
    }

    /**
     * {@code mask != 0 ? a : b}, with a and b broadcast to the mask's shape. The gradient to the
     * branch that was not selected is exactly 0, which is finite here but becomes {@code 0 * inf} in
     * that branch's op if its own derivative is infinite (log at 0, sqrt at 0, exp overflow).
     */
    public static final class Where implements Op {
        @Override public boolean exact() { return true; }
        private final DMatrixRMaj mask;

        public Where(DMatrixRMaj mask) {
            this.mask = mask;
        }

        public String name() { return "where"; }

        /** The selected branch's box per element: the mask is a constant, known exactly. */
        @Override public Range forwardRange(Interval[] x, Precision p) {
            Interval a = x[0], b = x[1];
            int rows = mask.numRows, cols = mask.numCols;
            double[] lo = new double[rows * cols], hi = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int o = r * cols + c;
                    Interval from = mask.data[o] != 0 ? a : b;
                    int k = Ranges.at(from, r, c);
                    lo[o] = from.lo(k);
                    hi[o] = from.hi(k);
                }
            }
            return Range.of(Interval.taking(rows, cols, lo, hi, a.mayBeNaN() || b.mayBeNaN()));
        }

        /** g where this branch was selected, exactly 0 where not (the zero a masked branch's op then meets), summed to the operand's shape. */
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            if (!g.isFinite()) return Ranges.anything(x[i].rows(), x[i].cols());
            int n = g.size();
            double[] lo = new double[n], hi = new double[n];
            boolean take = i == 0;
            for (int k = 0; k < n; k++) {
                if ((mask.data[k] != 0) == take) {
                    lo[k] = g.lo(k);
                    hi[k] = g.hi(k);
                }
            }
            Interval v = Ranges.reduce(lo, hi, g.rows(), g.cols(), x[i].rows(), x[i].cols(), 1, false);
            return v.isFinite() ? Range.of(v) : Range.of(v, Cause.OVERFLOW);
        }
        public boolean elementwise() { return true; }

        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            for (DMatrixRMaj m : x) {
                if ((m.numRows != mask.numRows && m.numRows != 1) || (m.numCols != mask.numCols && m.numCols != 1)) {
                    throw new ShapeException("operand " + m.numRows + "x" + m.numCols + " does not broadcast to mask "
                            + mask.numRows + "x" + mask.numCols);
                }
            }
            DMatrixRMaj a = x[0], b = x[1], y = Results.scratch(mask.numRows, mask.numCols);
            int as = Broadcast.colStep(a), bs = Broadcast.colStep(b);
            for (int r = 0; r < mask.numRows; r++) {
                int ai = Broadcast.rowBase(a, r), bi = Broadcast.rowBase(b, r), o = r * mask.numCols;
                for (int c = 0; c < mask.numCols; c++, ai += as, bi += bs) {
                    y.data[o + c] = mask.data[o + c] != 0 ? a.data[ai] : b.data[bi];
                }
            }
            return y;
        }

        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.scratch(g.numRows, g.numCols);
            boolean take = i == 0;
            for (int k = 0, n = g.getNumElements(); k < n; k++) {
                d.data[k] = (mask.data[k] != 0) == take ? g.data[k] : 0.0;
            }
            return Broadcast.reduceTo(d, x[i].numRows, x[i].numCols);
        }
    }
}
