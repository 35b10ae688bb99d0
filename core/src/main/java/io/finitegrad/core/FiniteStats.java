package io.finitegrad.core;

/**
 * What one {@link FiniteScan} pass found in a matrix: counts of NaN, +Inf and -Inf, the first
 * offending element (row-major order), and the range of the finite values.
 *
 * <p>Mutable on purpose so a hot loop can reuse one instance; {@link FiniteScan#scan} overwrites
 * every field.
 */
public final class FiniteStats {
    int rows;
    int cols;
    int nan;
    int posInf;
    int negInf;
    int firstBad = -1;
    double min = Double.NaN;
    double max = Double.NaN;

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int nanCount() {
        return nan;
    }

    public int posInfCount() {
        return posInf;
    }

    public int negInfCount() {
        return negInf;
    }

    public int nonFiniteCount() {
        return nan + posInf + negInf;
    }

    public boolean allFinite() {
        return firstBad < 0;
    }

    /** Row-major index of the first non-finite element, or -1. */
    public int firstBadIndex() {
        return firstBad;
    }

    /** Row of the first non-finite element (0-based), or -1. */
    public int firstBadRow() {
        return firstBad < 0 ? -1 : firstBad / cols;
    }

    /** Column of the first non-finite element (0-based), or -1. */
    public int firstBadCol() {
        return firstBad < 0 ? -1 : firstBad % cols;
    }

    /** Smallest finite value, or NaN when no value is finite. */
    public double min() {
        return min;
    }

    /** Largest finite value, or NaN when no value is finite. */
    public double max() {
        return max;
    }

    /** The non-zero counts as a report writes them, {@code "3 NaN, 1 +Inf"}; empty when all are finite. */
    public String nonFiniteCounts() {
        StringBuilder b = new StringBuilder();
        if (nan > 0) b.append(nan).append(" NaN");
        if (posInf > 0) b.append(b.length() > 0 ? ", " : "").append(posInf).append(" +Inf");
        if (negInf > 0) b.append(b.length() > 0 ? ", " : "").append(negInf).append(" -Inf");
        return b.toString();
    }

    @Override
    public String toString() {
        String range = Double.isNaN(min) ? "no finite values" : "finite range [" + min + ", " + max + "]";
        if (allFinite()) return rows + "x" + cols + ", all finite, " + range;
        return rows + "x" + cols + ", " + nan + " NaN, " + posInf + " +Inf, " + negInf + " -Inf, first at ("
                + firstBadRow() + ", " + firstBadCol() + "), " + range;
    }
}
