package io.finitegrad.autodiff.op;

import io.finitegrad.core.Precision;
import org.ejml.data.DMatrixRMaj;

/**
 * What an op is shown when asked to {@linkplain Op#diagnose diagnose} a non-finite element: the
 * phase, the operands, the output, the upstream gradient (backward only), and the offending element
 * of the output (forward) or of the gradient to operand {@link #operand()} (backward).
 *
 * <p>It carries values and names only, never graph nodes, so an op's diagnosis cannot reach into
 * the graph. Operand values at the element are read with NumPy-style broadcasting, so for elementwise ops
 * {@code x(i)} is the value that produced the bad element.
 */
public final class Fault {
    private final Phase phase;
    private final int operand;
    private final String op;
    private final String nodeName;
    private final String[] operandNames;
    private final String[] operandOps;
    private final DMatrixRMaj[] x;
    private final DMatrixRMaj y;
    private final DMatrixRMaj g;
    private final DMatrixRMaj bad;
    private final int row;
    private final int col;
    private final Precision precision;

    /**
     * Made by the guard (and by tests of custom ops): the names are the node's and its operands' at
     * the moment of the fault; the matrices are read, never modified.
     *
     * @param phase forward or backward
     * @param operand in backward the operand whose gradient is non-finite, else -1
     * @param op the op's short name
     * @param nodeName the node's name
     * @param operandNames the operand nodes' names, one per operand value
     * @param operandOps the operand nodes' op names, one per operand value
     * @param x the operand values
     * @param y the op's output
     * @param g the upstream gradient (backward) or null
     * @param bad the non-finite matrix: the output (forward) or the gradient to {@code operand}
     * @param row the offending element's row in {@code bad}
     * @param col the offending element's column in {@code bad}
     * @throws IllegalArgumentException if the name and value arrays differ in length
     */
    public Fault(Phase phase, int operand, String op, String nodeName, String[] operandNames, String[] operandOps,
                 DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g, DMatrixRMaj bad, int row, int col) {
        this(phase, operand, op, nodeName, operandNames, operandOps, x, y, g, bad, row, col, Precision.current());
    }

    /**
     * As above, in format {@code precision}: the one the values were computed in (the guard passes
     * the thread's {@link Precision#current()} at the fault).
     *
     * @throws IllegalArgumentException if the name and value arrays differ in length, or the precision is null
     */
    public Fault(Phase phase, int operand, String op, String nodeName, String[] operandNames, String[] operandOps,
                 DMatrixRMaj[] x, DMatrixRMaj y, DMatrixRMaj g, DMatrixRMaj bad, int row, int col, Precision precision) {
        if (precision == null) throw new IllegalArgumentException("Fault: precision is null");
        if (operandNames.length != x.length || operandOps.length != x.length) {
            throw new IllegalArgumentException("Fault: " + x.length + " operand values but " + operandNames.length
                    + " names and " + operandOps.length + " op names");
        }
        this.phase = phase;
        this.operand = operand;
        this.op = op;
        this.nodeName = nodeName;
        this.operandNames = operandNames.clone();
        this.operandOps = operandOps.clone();
        this.x = x;
        this.y = y;
        this.g = g;
        this.bad = bad;
        this.row = row;
        this.col = col;
        this.precision = precision;
    }

    /**
     * The format the values were computed in: diagnoses quote its limits ({@link InFormat}, e.g. exp
     * overflowing above 11.09 in float16) and remedies use values that survive rounding to it.
     */
    public Precision precision() {
        return precision;
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
        return op;
    }

    /**
     * The node's current name, e.g. {@code "naiveSoftmax/exp"}, for detail lines. Not for choosing a
     * remedy: the code that builds a sub-graph states its remedy with a name-scope hint. From the
     * guard, a node with no label or scope has a placeholder here that the report replaces with the
     * number it gives the node ({@code #1 exp}): copy names into the text as they are, do not parse them.
     */
    public String nodeName() {
        return nodeName;
    }

    /** The op name of operand {@code i}'s node ({@code "param"}, {@code "softmax"}, ...). */
    public String operandOp(int i) {
        return operandOps[i];
    }

    /** The name of operand {@code i}'s node (as {@link #nodeName()}: copy it into the text as it is). */
    public String operandName(int i) {
        return operandNames[i];
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
