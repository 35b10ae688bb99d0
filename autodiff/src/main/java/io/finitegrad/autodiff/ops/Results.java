package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.core.StepBuffers;
import io.finitegrad.core.Tensor;
import org.ejml.data.DMatrixRMaj;

/**
 * Allocation of an op's result whose shape comes from its operands (broadcasting, matmul): the
 * element count in long arithmetic, because past an int index EJML throws a message naming no
 * operand, and {@code Var.apply} can only prefix the op and operands to a {@link ShapeException}.
 * Results come from {@link StepBuffers}: recycled when a training loop that owns its graphs has a
 * scope open, new otherwise.
 */
final class Results {
    private Results() {
    }

    /**
     * A zeroed {@code rows x cols} result.
     *
     * @throws ShapeException naming the shape and element count when it exceeds {@link Tensor#MAX_ELEMENTS}
     */
    static DMatrixRMaj zeros(int rows, int cols) {
        checkSize(rows, cols);
        return StepBuffers.zeros(rows, cols);
    }

    /**
     * A {@code rows x cols} result whose contents are undefined ({@link StepBuffers#scratch}): only
     * for an op that writes every element of it.
     *
     * @throws ShapeException as {@link #zeros}
     */
    static DMatrixRMaj scratch(int rows, int cols) {
        checkSize(rows, cols);
        return StepBuffers.scratch(rows, cols);
    }

    private static void checkSize(int rows, int cols) {
        if (Tensor.exceedsMaxElements(rows, cols)) {
            throw new ShapeException("the result would be " + rows + "x" + cols + " = " + (long) rows * cols
                    + " elements, more than the " + Tensor.MAX_ELEMENTS + " one tensor holds");
        }
    }

    /** A copy of {@code m} in a result buffer. */
    static DMatrixRMaj copy(DMatrixRMaj m) {
        DMatrixRMaj c = scratch(m.numRows, m.numCols);
        System.arraycopy(m.data, 0, c.data, 0, m.getNumElements());
        return c;
    }
}
