package io.finitegrad.core;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import org.ejml.data.DMatrixRMaj;

/**
 * An immutable 2-D tensor of doubles (rows x cols; a scalar is 1x1), backed by an EJML
 * {@link DMatrixRMaj} that never escapes: every factory copies its input and {@link #toMatrix()}
 * returns a copy.
 *
 * <p>Factories and accessors throw {@link IllegalArgumentException} for ragged, empty or
 * non-positive shapes and {@link IndexOutOfBoundsException} for indices outside the shape, each
 * message naming the shape and the bad value.
 */
public final class Tensor {
    private static final int PRINT_EDGE = 4; // rows/cols shown at each end of a large tensor
    /** The most elements one tensor holds: the largest array every JVM allocates (as the JDK's own collections assume). */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * Whether {@code rows x cols} elements are more than one tensor holds ({@link #MAX_ELEMENTS}),
     * counted without overflow: {@code rows * cols} in int wraps to a negative or a wrong but positive
     * size. Non-positive sizes have no count to exceed (their callers refuse them on their own).
     */
    public static boolean exceedsMaxElements(long rows, long cols) {
        return rows > 0 && cols > 0 && cols > MAX_ELEMENTS / rows;
    }

    private final DMatrixRMaj m;

    private Tensor(DMatrixRMaj m) {
        this.m = m;
    }

    /** A tensor from a rectangular, non-empty array of rows (copied). */
    public static Tensor of(double[][] rows) {
        if (rows == null) throw new IllegalArgumentException("Tensor.of: rows is null");
        if (rows.length == 0) throw new IllegalArgumentException("Tensor.of: no rows (a tensor needs at least 1x1)");
        if (rows[0] == null) throw new IllegalArgumentException("Tensor.of: row 0 is null");
        int cols = rows[0].length;
        if (cols == 0) throw new IllegalArgumentException("Tensor.of: row 0 is empty (a tensor needs at least 1x1)");
        DMatrixRMaj m = new DMatrixRMaj(rows.length, cols);
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) throw new IllegalArgumentException("Tensor.of: row " + r + " is null");
            if (rows[r].length != cols) {
                throw new IllegalArgumentException("Tensor.of: ragged rows: row 0 has " + cols
                        + " columns but row " + r + " has " + rows[r].length);
            }
            System.arraycopy(rows[r], 0, m.data, r * cols, cols);
        }
        return new Tensor(m);
    }

    /** A copy of an EJML matrix as a tensor. */
    public static Tensor of(DMatrixRMaj matrix) {
        if (matrix == null) throw new IllegalArgumentException("Tensor.of: matrix is null");
        checkShape("Tensor.of", matrix.numRows, matrix.numCols);
        return new Tensor(matrix.copy());
    }

    /** A tensor of the given shape from row-major values (copied). */
    public static Tensor of(int rows, int cols, double... rowMajor) {
        checkShape("Tensor.of", rows, cols);
        if (rowMajor == null || rowMajor.length != rows * cols) {
            throw new IllegalArgumentException("Tensor.of: shape " + rows + "x" + cols + " needs "
                    + (rows * cols) + " values, got " + (rowMajor == null ? "null" : rowMajor.length));
        }
        return new Tensor(new DMatrixRMaj(rows, cols, true, rowMajor));
    }

    /** A 1xN row vector. */
    public static Tensor row(double... values) {
        if (values == null || values.length == 0) throw new IllegalArgumentException("Tensor.row: no values");
        return of(1, values.length, values);
    }

    /** An Nx1 column vector. */
    public static Tensor column(double... values) {
        if (values == null || values.length == 0) throw new IllegalArgumentException("Tensor.column: no values");
        return of(values.length, 1, values);
    }

    /** A 1x1 tensor. */
    public static Tensor scalar(double value) {
        DMatrixRMaj m = new DMatrixRMaj(1, 1);
        m.data[0] = value;
        return new Tensor(m);
    }

    /** A rows x cols tensor of zeros. */
    public static Tensor zeros(int rows, int cols) {
        checkShape("Tensor.zeros", rows, cols);
        return new Tensor(new DMatrixRMaj(rows, cols));
    }

    /** A rows x cols tensor of ones. */
    public static Tensor ones(int rows, int cols) {
        return full(rows, cols, 1.0);
    }

    /** A rows x cols tensor filled with {@code value}. */
    public static Tensor full(int rows, int cols, double value) {
        checkShape("Tensor.full", rows, cols);
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        Arrays.fill(m.data, 0, rows * cols, value);
        return new Tensor(m);
    }

    public int rows() {
        return m.numRows;
    }

    public int cols() {
        return m.numCols;
    }

    /** Number of elements. */
    public int size() {
        return m.numRows * m.numCols;
    }

    /** The shape as students write it, e.g. {@code "3x4"}. */
    public String shape() {
        return m.numRows + "x" + m.numCols;
    }

    /** The element at (row, col), both 0-based. */
    public double get(int row, int col) {
        if (row < 0 || row >= m.numRows || col < 0 || col >= m.numCols) {
            throw new IndexOutOfBoundsException("Tensor.get(" + row + ", " + col + ") outside shape " + shape());
        }
        return m.data[row * m.numCols + col];
    }

    /** The single value of a 1x1 tensor. */
    public double item() {
        if (m.numRows != 1 || m.numCols != 1) {
            throw new IllegalStateException("Tensor.item() needs a 1x1 tensor, this one is " + shape());
        }
        return m.data[0];
    }

    /** The values as a new array of rows. */
    public double[][] toArray() {
        double[][] out = new double[m.numRows][m.numCols];
        for (int r = 0; r < m.numRows; r++) System.arraycopy(m.data, r * m.numCols, out[r], 0, m.numCols);
        return out;
    }

    /** The values in row-major order, as a new array. */
    public double[] toFlatArray() {
        return Arrays.copyOf(m.data, size());
    }

    /**
     * The rows at {@code rows}, in that order, as a new tensor (NumPy's {@code t[rows]}): one copy,
     * row by row, reading only those rows.
     *
     * @throws IllegalArgumentException if {@code rows} is null or empty
     * @throws IndexOutOfBoundsException naming the first row outside [0, rows())
     */
    public Tensor selectRows(int[] rows) {
        if (rows == null || rows.length == 0) throw new IllegalArgumentException("Tensor.selectRows: no rows");
        int c = m.numCols;
        DMatrixRMaj out = new DMatrixRMaj(rows.length, c);
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            if (r < 0 || r >= m.numRows) {
                throw new IndexOutOfBoundsException("Tensor.selectRows: row " + r + " outside [0, " + m.numRows + ")");
            }
            System.arraycopy(m.data, r * c, out.data, i * c, c);
        }
        return new Tensor(out);
    }

    /** A copy of the backing matrix. */
    public DMatrixRMaj toMatrix() {
        return m.copy();
    }

    /**
     * A new tensor with {@code f} applied to every element.
     *
     * @throws IllegalArgumentException if {@code f} is null
     */
    public Tensor map(DoubleUnaryOperator f) {
        if (f == null) throw new IllegalArgumentException("Tensor.map: f is null (" + shape() + " tensor)");
        DMatrixRMaj out = new DMatrixRMaj(m.numRows, m.numCols);
        for (int i = 0, n = size(); i < n; i++) out.data[i] = f.applyAsDouble(m.data[i]);
        return new Tensor(out);
    }

    /** True if no element is NaN or infinite. */
    public boolean isFinite() {
        return FiniteScan.allFinite(m);
    }

    /** Counts and locates the non-finite elements (see {@link FiniteScan}). */
    public FiniteStats scan() {
        return FiniteScan.scan(m, new FiniteStats());
    }

    /** Equal shape and bit-identical values (so NaN equals NaN, as in {@link Arrays#equals(double[], double[])}). */
    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Tensor)) return false;
        Tensor t = (Tensor) o;
        return t.m.numRows == m.numRows && t.m.numCols == m.numCols
                && Arrays.equals(m.data, 0, size(), t.m.data, 0, size());
    }

    @Override
    public int hashCode() {
        int h = 31 * m.numRows + m.numCols;
        for (int i = 0, n = size(); i < n; i++) h = 31 * h + Double.hashCode(m.data[i]);
        return h;
    }

    /** {@code Tensor 2x3 [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}, eliding the middle of large tensors. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor ").append(shape()).append(m.numRows > 1 ? "\n[" : " [");
        for (int r = 0; r < m.numRows; r++) {
            if (skip(r, m.numRows)) {
                if (r == PRINT_EDGE) sb.append(" ...,\n");
                continue;
            }
            if (r > 0) sb.append(' ');
            sb.append('[');
            for (int c = 0; c < m.numCols; c++) {
                if (skip(c, m.numCols)) {
                    if (c == PRINT_EDGE) sb.append("..., ");
                    continue;
                }
                sb.append(m.data[r * m.numCols + c]);
                if (c < m.numCols - 1) sb.append(", ");
            }
            sb.append(']');
            if (r < m.numRows - 1) sb.append(",\n");
        }
        return sb.append(']').toString();
    }

    private static boolean skip(int i, int n) {
        return n > 2 * PRINT_EDGE && i >= PRINT_EDGE && i < n - PRINT_EDGE;
    }

    private static void checkShape(String who, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(who + ": shape " + rows + "x" + cols + " must be at least 1x1");
        }
        if (exceedsMaxElements(rows, cols)) {
            throw new IllegalArgumentException(who + ": shape " + rows + "x" + cols + " has " + (long) rows * cols
                    + " elements, more than the " + MAX_ELEMENTS + " a Java array holds");
        }
    }
}
