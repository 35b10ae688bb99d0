package io.finitegrad.autodiff.ops;

import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.core.Tensor;
import org.ejml.data.DMatrixRMaj;

/**
 * Allocation of an op's result whose shape comes from its operands (broadcasting, matmul): the
 * element count in long arithmetic, because past an int index EJML throws a message naming no
 * operand, and {@code Var.apply} can only prefix the op and operands to a {@link ShapeException}.
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
        if (Tensor.exceedsMaxElements(rows, cols)) {
            throw new ShapeException("the result would be " + rows + "x" + cols + " = " + (long) rows * cols
                    + " elements, more than the " + Tensor.MAX_ELEMENTS + " one tensor holds");
        }
        return new DMatrixRMaj(rows, cols);
    }
}
