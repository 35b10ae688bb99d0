package io.finitegrad.autodiff;

import org.ejml.data.DMatrixRMaj;

/**
 * What an op is shown when asked to {@linkplain Op#diagnose diagnose} a non-finite element: the
 * phase, the operands, the output, the upstream gradient (backward only), and the offending element
 * of the output (forward) or of the gradient to operand {@link #operand()} (backward).
 *
 * <p>Operand values at the element are read with NumPy-style broadcasting, so for elementwise ops
 * {@code x(i)} is the value that produced the bad element.
 */
public final class Fault {
    private final Phase phase;
    private final int operand;
    private final Var node;
    private final DMatrixRMaj[] x;
    private final DMatrixRMaj y;
    private final DMatrixRMaj g;
    private final DMatrixRMaj bad;
    private final int row;
    private final int col;

    Fault(Phase phase, int operand, Var node, DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g, DMatrixRMaj bad,
          int row, int col) {
        this.phase = phase;
        this.operand = operand;
        this.node = node;
        this.x = x;
        this.y = y;
        this.g = g;
        this.bad = bad;
        this.row = row;
        this.col = col;
    }

    public Phase phase() {
        return phase;
    }

    public boolean backward() {
        return phase == Phase.BACKWARD;
    }

    /** In backward, the operand whose gradient is non-finite; -1 in forward. */
    public int operand() {
        return operand;
    }

    /** The op's short name. */
    public String op() {
        return node.opName();
    }

    /** The node's current name, e.g. {@code "naiveSoftmax/exp"}; ops use it to tailor remedies. */
    public String nodeName() {
        return node.name();
    }

    /** The op name of operand {@code i}'s node ({@code "param"}, {@code "softmax"}, ...). */
    public String operandOp(int i) {
        return node.parent(i).opName();
    }

    /** The name of operand {@code i}'s node. */
    public String operandName(int i) {
        return node.parent(i).name();
    }

    public int operandCount() {
        return x.length;
    }

    public DMatrixRMaj operandValue(int i) {
        return x[i];
    }

    public DMatrixRMaj output() {
        return y;
    }

    /** Upstream gradient (backward only, else null). */
    public DMatrixRMaj upstream() {
        return g;
    }

    public int row() {
        return row;
    }

    public int col() {
        return col;
    }

    /** {@code "(row, col)"}. */
    public String where() {
        return "(" + row + ", " + col + ")";
    }

    /** The non-finite value itself. */
    public double badValue() {
        return bad.data[row * bad.numCols + col];
    }

    /** Operand {@code i} at the offending element (broadcast), or NaN if its shape does not map. */
    public double x(int i) {
        return at(x[i], row, col);
    }

    /** The output at the offending element (broadcast), or NaN if its shape does not map. */
    public double y() {
        return at(y, row, col);
    }

    /** The upstream gradient at the offending element (broadcast), or NaN in forward. */
    public double g() {
        return g == null ? Double.NaN : at(g, row, col);
    }

    /** {@code m} at (r, c) with size-1 dimensions broadcast; NaN where the shapes do not map. */
    public static double at(DMatrixRMaj m, int r, int c) {
        int rr = m.numRows == 1 ? 0 : r, cc = m.numCols == 1 ? 0 : c;
        if (rr >= m.numRows || cc >= m.numCols) return Double.NaN;
        return m.data[rr * m.numCols + cc];
    }
}
