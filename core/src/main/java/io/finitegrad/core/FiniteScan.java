package io.finitegrad.core;

import org.ejml.data.DMatrixRMaj;

/**
 * The finiteness scan the guard runs on every node value and gradient: a branch-free yes/no pass
 * ({@link #allFinite}) for the common case, and a full one-pass census ({@link #scan}) for the rare
 * case where something is wrong. Neither allocates.
 */
public final class FiniteScan {
    private FiniteScan() {
    }

    /** True if every element of {@code m} is finite. */
    public static boolean allFinite(DMatrixRMaj m) {
        return allFinite(m.data, m.numRows * m.numCols);
    }

    /**
     * The largest magnitude among the first {@code n} values: NaN if one is NaN, else +Infinity if
     * one is infinite, else the finite maximum (0 for n = 0). So {@code maxAbs(d, n) < Infinity}
     * says both "all finite" and how large, in one pass: an optimiser proves its update finite from
     * it (see {@code Optimizer}).
     */
    public static double maxAbs(double[] d, int n) {
        // Math.max keeps NaN, so a NaN anywhere makes the result NaN; four accumulators as above
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            a0 = Math.max(a0, Math.abs(d[i]));
            a1 = Math.max(a1, Math.abs(d[i + 1]));
            a2 = Math.max(a2, Math.abs(d[i + 2]));
            a3 = Math.max(a3, Math.abs(d[i + 3]));
        }
        for (; i < n; i++) a0 = Math.max(a0, Math.abs(d[i]));
        return Math.max(Math.max(a0, a1), Math.max(a2, a3));
    }

    /** True if the first {@code n} values are all finite. */
    public static boolean allFinite(double[] d, int n) {
        // x - x is 0 for finite x and NaN for NaN/Inf, so the sums stay 0 until something is wrong.
        // Four independent accumulators keep the loop free of a serial dependency.
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            a0 += d[i] - d[i];
            a1 += d[i + 1] - d[i + 1];
            a2 += d[i + 2] - d[i + 2];
            a3 += d[i + 3] - d[i + 3];
        }
        for (; i < n; i++) a0 += d[i] - d[i];
        double s = a0 + a1 + a2 + a3;
        return s == s;
    }

    /** Counts NaN/+Inf/-Inf, finds the first offender and the finite range, in one pass into {@code into}. */
    public static FiniteStats scan(DMatrixRMaj m, FiniteStats into) {
        into.rows = m.numRows;
        into.cols = m.numCols;
        int nan = 0, pos = 0, neg = 0, first = -1;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        double[] d = m.data;
        for (int i = 0, n = m.numRows * m.numCols; i < n; i++) {
            double x = d[i];
            if (x - x == 0) {
                if (x < min) min = x;
                if (x > max) max = x;
                continue;
            }
            if (first < 0) first = i;
            if (x != x) nan++;
            else if (x > 0) pos++;
            else neg++;
        }
        into.nan = nan;
        into.posInf = pos;
        into.negInf = neg;
        into.firstBad = first;
        into.min = min <= max ? min : Double.NaN;
        into.max = min <= max ? max : Double.NaN;
        return into;
    }

    /** {@link #scan(DMatrixRMaj, FiniteStats)} into a new stats object. */
    public static FiniteStats scan(DMatrixRMaj m) {
        return scan(m, new FiniteStats());
    }
}
