package io.finitegrad.autodiff;

import io.finitegrad.core.Precision;
import org.ejml.data.DMatrixRMaj;

/**
 * Largest magnitudes, overflow-safe L2 norms, headroom in orders of magnitude, and short numbers for
 * messages. The checks run on every watched tensor, so the common case is one sum-of-squares pass
 * (four accumulators, no branches); the exact largest magnitude is looked up only when the norm
 * cannot rule out values beyond a limit.
 */
final class Magnitudes {
    private Magnitudes() {
    }

    /** max |x| over the finite elements (0 if none). */
    static double maxAbs(DMatrixRMaj m) {
        double[] d = m.data;
        double best = 0;
        for (int i = 0, n = m.getNumElements(); i < n; i++) {
            double a = Math.abs(d[i]);
            if (a > best && a != Double.POSITIVE_INFINITY) best = a;
        }
        return best;
    }

    /**
     * The largest finite magnitude of {@code m} if it may exceed {@code limit}, else 0: the sum of
     * squares bounds it (max |x| <= sqrt(sum x^2)), so one cheap pass settles the usual case.
     */
    static double maxAbsIfAbove(DMatrixRMaj m, double limit) {
        double s = sumSquares(m.data, m.getNumElements(), 1.0);
        if (s <= Double.MAX_VALUE && Math.sqrt(s) <= limit) return 0;
        double max = maxAbs(m);
        return max > limit ? max : 0;
    }

    /** The L2 norm of one matrix, without overflow or underflow in the sum of squares. */
    static double norm(DMatrixRMaj m) {
        return norm(m, sumSquares(m.data, m.getNumElements(), 1.0));
    }

    /** The L2 norm of {@code m} given its plain sum of squares {@code s}, rescaling where {@code s} left the safe range. */
    static double norm(DMatrixRMaj m, double s) {
        if (s > 1e-290 && s < 1e290) return Math.sqrt(s);
        if (Double.isNaN(s)) return Double.NaN;
        double scale = maxAbs(m);
        if (scale == 0) return 0;
        return scale * Math.sqrt(sumSquares(m.data, m.getNumElements(), 1.0 / scale));
    }

    /** The plain sum of squares of {@code m}'s elements (may overflow or underflow; see {@link #norm(DMatrixRMaj, double)}). */
    static double sumSquares(DMatrixRMaj m) {
        return sumSquares(m.data, m.getNumElements(), 1.0);
    }

    private static double sumSquares(double[] d, int n, double scale) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double a = d[i] * scale, b = d[i + 1] * scale, c = d[i + 2] * scale, e = d[i + 3] * scale;
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += e * e;
        }
        for (; i < n; i++) {
            double a = d[i] * scale;
            s0 += a * a;
        }
        return s0 + s1 + s2 + s3;
    }

    /** Orders of magnitude between {@code maxAbs} and float64's largest value (infinite for 0). */
    static double ordersFromOverflow(double maxAbs) {
        return ordersFromOverflow(maxAbs, Precision.FLOAT64);
    }

    /** Orders of magnitude between {@code maxAbs} and format {@code p}'s largest finite value (infinite for 0). */
    static double ordersFromOverflow(double maxAbs, Precision p) {
        return maxAbs == 0 ? Double.POSITIVE_INFINITY : Math.log10(p.maxFinite()) - Math.log10(maxAbs);
    }

    /** A number in at most two significant digits, {@code 2e305}, {@code 4.8e69}, {@code 0.5}, {@code 128}. */
    static String shortNumber(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) return Double.toString(v);
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e4) {
            String s = String.format(java.util.Locale.ROOT, "%.3g", v);
            if (s.contains(".")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
            return s;
        }
        int exp = (int) Math.floor(Math.log10(a));
        double mant = v / Math.pow(10, exp);
        String m = String.format(java.util.Locale.ROOT, "%.1f", mant);
        if (m.startsWith("10") || m.startsWith("-10")) {
            exp++;
            m = String.format(java.util.Locale.ROOT, "%.1f", v / Math.pow(10, exp));
        }
        if (m.endsWith(".0")) m = m.substring(0, m.length() - 2);
        return m + "e" + exp;
    }

    /** Orders of headroom for a message: whole orders, or one decimal below 1. */
    static String orders(double orders) {
        if (Double.isInfinite(orders)) return "unbounded";
        return orders >= 1 ? Long.toString(Math.round(orders)) : String.format(java.util.Locale.ROOT, "%.1f", orders);
    }
}
