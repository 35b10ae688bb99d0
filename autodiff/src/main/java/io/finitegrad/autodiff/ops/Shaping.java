package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.Op;
import io.finitegrad.autodiff.op.Range;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Precision;

import io.finitegrad.autodiff.op.ShapeException;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/** Slicing and concatenation, what recurrent cells need to split gates and stack steps. */
public final class Shaping {
    private Shaping() {
    }

    static void range(String what, int from, int to, int size) {
        if (from < 0 || to > size || from >= to) {
            throw new ShapeException(what + " [" + from + ", " + to + ") is outside 0.." + size + " or empty");
        }
    }

    /** Rows [from, to). */
    public static final class SliceRows implements Op {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        private final int from, to;
        public SliceRows(int from, int to) { this.from = from; this.to = to; }
        public String name() { return "sliceRows"; }
        @Override public Range forwardRange(Interval[] x, Precision p) {
            return Range.of(Ranges.extract(x[0], from, to, 0, x[0].cols()));
        }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            return Range.of(Ranges.insert(g, x[0].rows(), x[0].cols(), from, 0));
        }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            range("rows", from, to, x[0].numRows);
            return CommonOps_DDRM.extract(x[0], from, to, 0, x[0].numCols);
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.zeros(x[0].numRows, x[0].numCols);
            CommonOps_DDRM.insert(g, d, from, 0);
            return d;
        }
    }

    /** Columns [from, to). */
    public static final class SliceCols implements Op {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        private final int from, to;
        public SliceCols(int from, int to) { this.from = from; this.to = to; }
        public String name() { return "sliceCols"; }
        @Override public Range forwardRange(Interval[] x, Precision p) {
            return Range.of(Ranges.extract(x[0], 0, x[0].rows(), from, to));
        }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            return Range.of(Ranges.insert(g, x[0].rows(), x[0].cols(), 0, from));
        }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            range("columns", from, to, x[0].numCols);
            return CommonOps_DDRM.extract(x[0], 0, x[0].numRows, from, to);
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            DMatrixRMaj d = Results.zeros(x[0].numRows, x[0].numCols);
            CommonOps_DDRM.insert(g, d, 0, from);
            return d;
        }
    }

    /** Operands stacked vertically. */
    public static final class ConcatRows implements Op {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        public String name() { return "concatRows"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return Range.of(Ranges.concat(x, true)); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            int at = 0;
            for (int k = 0; k < i; k++) at += x[k].rows();
            return Range.of(Ranges.extract(g, at, at + x[i].rows(), 0, g.cols()));
        }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            if (x.length == 0) throw new ShapeException("nothing to concatenate");
            int rows = 0;
            for (DMatrixRMaj m : x) {
                if (m.numCols != x[0].numCols) throw new ShapeException("column counts differ");
                rows += m.numRows;
            }
            DMatrixRMaj y = Results.zeros(rows, x[0].numCols);
            int at = 0;
            for (DMatrixRMaj m : x) {
                CommonOps_DDRM.insert(m, y, at, 0);
                at += m.numRows;
            }
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            int at = 0;
            for (int k = 0; k < i; k++) at += x[k].numRows;
            return CommonOps_DDRM.extract(g, at, at + x[i].numRows, 0, g.numCols);
        }
    }

    /** Operands side by side. */
    public static final class ConcatCols implements Op {
        @Override public boolean exact() { return true; }
        @Override public boolean finiteFromFinite() { return true; }
        public String name() { return "concatCols"; }
        @Override public Range forwardRange(Interval[] x, Precision p) { return Range.of(Ranges.concat(x, false)); }
        @Override public Range vjpRange(int i, Interval[] x, Interval y, Interval g, Precision p) {
            int at = 0;
            for (int k = 0; k < i; k++) at += x[k].cols();
            return Range.of(Ranges.extract(g, 0, g.rows(), at, at + x[i].cols()));
        }
        public DMatrixRMaj forward(DMatrixRMaj[] x) {
            if (x.length == 0) throw new ShapeException("nothing to concatenate");
            int cols = 0;
            for (DMatrixRMaj m : x) {
                if (m.numRows != x[0].numRows) throw new ShapeException("row counts differ");
                cols += m.numCols;
            }
            DMatrixRMaj y = Results.zeros(x[0].numRows, cols);
            int at = 0;
            for (DMatrixRMaj m : x) {
                CommonOps_DDRM.insert(m, y, 0, at);
                at += m.numCols;
            }
            return y;
        }
        public DMatrixRMaj vjp(int i, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g) {
            int at = 0;
            for (int k = 0; k < i; k++) at += x[k].numCols;
            return CommonOps_DDRM.extract(g, 0, g.numRows, at, at + x[i].numCols);
        }
    }
}
