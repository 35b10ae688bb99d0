package io.finitegrad.autodiff;

import io.finitegrad.autodiff.op.Fault;
import io.finitegrad.autodiff.op.InFormat;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Precision;
import io.finitegrad.core.FiniteStats;
import org.ejml.data.DMatrixRMaj;

/**
 * A snapshot of one tensor in a {@link NanReport}: which node, its shape, the range of its finite
 * values, its NaN/Inf counts and first offender, and its value at the report's offending element
 * (NaN in {@link #valueAtElement()} with {@link #hasValueAtElement()} false where the element does
 * not map onto this tensor), and the headroom of its largest finite magnitude before the overflow of
 * {@code format}, the format it was computed in ({@link #headroomOrders()}, shown as "3 orders from
 * overflow": from 1.8e308 in float64, from 65504 in float16).
 */
public record TensorSummary(String name, String op, int rows, int cols, double min, double max,
                            int nanCount, int posInfCount, int negInfCount, int firstBadRow, int firstBadCol,
                            boolean hasValueAtElement, double valueAtElement, Precision format) {

    /** A summary in the thread's current format. */
    static TensorSummary of(String name, String op, DMatrixRMaj m, int row, int col, boolean mapElement) {
        FiniteStats s = FiniteScan.scan(m);
        boolean has = mapElement && row >= 0 && (m.numRows == 1 || row < m.numRows)
                && (m.numCols == 1 || col < m.numCols);
        double at = has ? Fault.at(m, row, col) : Double.NaN;
        return new TensorSummary(name, op, m.numRows, m.numCols, s.min(), s.max(), s.nanCount(), s.posInfCount(),
                s.negInfCount(), s.firstBadRow(), s.firstBadCol(), has, at, Precision.current());
    }

    /** This summary under another name (a report's numbered name for its node). */
    TensorSummary named(String newName) {
        return new TensorSummary(newName, op, rows, cols, min, max, nanCount, posInfCount, negInfCount, firstBadRow,
                firstBadCol, hasValueAtElement, valueAtElement, format);
    }

    public boolean allFinite() {
        return nanCount + posInfCount + negInfCount == 0;
    }

    /**
     * Orders of magnitude between the largest finite magnitude and the overflow of {@link #format()}
     * (1.8e308 in float64, 65504 in float16): about 3 for values reaching 2e305 in float64, or 65 in
     * float16; infinite when no finite value is nonzero.
     */
    public double headroomOrders() {
        if (Double.isNaN(min)) return Double.POSITIVE_INFINITY;
        return Magnitudes.ordersFromOverflow(Math.max(Math.abs(min), Math.abs(max)), format);
    }

    public String shape() {
        return rows + "x" + cols;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append('\'').append(name).append("' (").append(op).append(") ").append(shape()).append(": ");
        if (allFinite()) sb.append("finite");
        else {
            sb.append(nanCount).append(" NaN, ").append(posInfCount).append(" +Inf, ").append(negInfCount)
                    .append(" -Inf, first at (").append(firstBadRow).append(", ").append(firstBadCol).append(')');
        }
        if (!Double.isNaN(min)) sb.append(", finite range [").append(min).append(", ").append(max).append(']');
        double orders = headroomOrders();
        if (!Double.isInfinite(orders)) {
            sb.append(", ").append(Magnitudes.orders(orders)).append(" orders from overflow").append(InFormat.in(format));
        }
        if (hasValueAtElement) sb.append("; at the element: ").append(valueAtElement);
        return sb.toString();
    }
}
