package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.ShapeException;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/**
 * NumPy-style broadcasting for 2-D operands: along each dimension the sizes are equal or one of
 * them is 1 (a row vector, a column vector or a scalar), and the gradient of a broadcast operand is
 * the upstream gradient summed back over the dimensions it was stretched along.
 */
public final class Broadcast {
    private Broadcast() {
    }

    /** Rows of the broadcast result of {@code a} and {@code b}. */
    static int rows(DMatrixRMaj a, DMatrixRMaj b) {
        return dim(a.numRows, b.numRows, a, b);
    }

    static int cols(DMatrixRMaj a, DMatrixRMaj b) {
        return dim(a.numCols, b.numCols, a, b);
    }

    private static int dim(int x, int y, DMatrixRMaj a, DMatrixRMaj b) {
        if (x == y || y == 1) return x;
        if (x == 1) return y;
        throw new ShapeException("shapes " + a.numRows + "x" + a.numCols + " and " + b.numRows + "x" + b.numCols
                + " do not broadcast (each dimension must match or be 1)");
    }

    /** Offset of row r of {@code m} when broadcast (a 1-row operand always offers row 0). */
    static int rowBase(DMatrixRMaj m, int r) {
        return m.numRows == 1 ? 0 : r * m.numCols;
    }

    /** Step between columns of {@code m} when broadcast (0 for a 1-column operand). */
    static int colStep(DMatrixRMaj m) {
        return m.numCols == 1 ? 0 : 1;
    }

    /**
     * Sums {@code g} down to rows x cols. Returns {@code g} itself when no reduction is needed, so
     * callers that must hand out a fresh matrix copy it then.
     */
    public static DMatrixRMaj reduceTo(DMatrixRMaj g, int rows, int cols) {
        if (g.numRows == rows && g.numCols == cols) return g;
        return sumInto(g, Results.zeros(rows, cols));
    }

    /** {@code g} summed down to {@code out}'s shape, written over whatever {@code out} held; returns {@code out}. */
    static DMatrixRMaj reduceInto(DMatrixRMaj g, DMatrixRMaj out) {
        if (g.numRows == out.numRows && g.numCols == out.numCols) {
            System.arraycopy(g.data, 0, out.data, 0, g.getNumElements());
            return out;
        }
        Arrays.fill(out.data, 0, out.getNumElements(), 0.0);
        return sumInto(g, out);
    }

    private static DMatrixRMaj sumInto(DMatrixRMaj g, DMatrixRMaj out) {
        int rows = out.numRows, cols = out.numCols;
        for (int r = 0; r < g.numRows; r++) {
            int ob = rows == 1 ? 0 : r * cols;
            int gb = r * g.numCols;
            if (cols == 1) {
                double s = 0;
                for (int c = 0; c < g.numCols; c++) s += g.data[gb + c];
                out.data[ob] += s;
            } else {
                for (int c = 0; c < g.numCols; c++) out.data[ob + c] += g.data[gb + c];
            }
        }
        return out;
    }

    /** {@link #reduceTo} that always returns a matrix the caller owns. */
    static DMatrixRMaj reduceToFresh(DMatrixRMaj g, DMatrixRMaj like) {
        DMatrixRMaj r = reduceTo(g, like.numRows, like.numCols);
        return r == g ? Results.copy(g) : r;
    }
}
