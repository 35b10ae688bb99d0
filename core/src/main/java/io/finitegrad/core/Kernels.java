package io.finitegrad.core;

import org.ejml.data.DMatrixRMaj;

/** Shape helpers shared by the kernel classes, following EJML's nullable-output convention. */
final class Kernels {
    private Kernels() {
    }

    /** {@code out} reshaped like {@code x}, or a new matrix when null. */
    static DMatrixRMaj like(DMatrixRMaj x, DMatrixRMaj out) {
        if (out == null) return new DMatrixRMaj(x.numRows, x.numCols);
        out.reshape(x.numRows, x.numCols);
        return out;
    }

    /** {@code out} reshaped to rows(x) x 1, or a new matrix when null. */
    static DMatrixRMaj column(DMatrixRMaj x, DMatrixRMaj out) {
        if (out == null) return new DMatrixRMaj(x.numRows, 1);
        if (out == x) throw new IllegalArgumentException("row-wise reduction cannot write into its input");
        out.reshape(x.numRows, 1);
        return out;
    }

    static void sameShape(String kernel, DMatrixRMaj a, DMatrixRMaj b) {
        if (a.numRows != b.numRows || a.numCols != b.numCols) {
            throw new IllegalArgumentException(kernel + ": predictions are " + a.numRows + "x" + a.numCols
                    + " but targets are " + b.numRows + "x" + b.numCols);
        }
    }
}
