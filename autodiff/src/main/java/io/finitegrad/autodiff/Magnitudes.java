package io.finitegrad.autodiff;

import java.util.List;
import org.ejml.data.DMatrixRMaj;

/** Largest magnitudes, overflow-safe L2 norms, headroom in orders of magnitude, and short numbers for messages. */
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

    /** The L2 norm of one matrix, without overflow or underflow in the sum of squares. */
    static double norm(DMatrixRMaj m) {
        double s = sumSquares(m.data, m.getNumElements(), 1.0);
        if (s > 1e-290 && s < 1e290) return Math.sqrt(s);
        double scale = maxAbs(m);
        if (scale == 0 || Double.isNaN(s)) return s == s ? 0 : Double.NaN;
        return scale * Math.sqrt(sumSquares(m.data, m.getNumElements(), 1.0 / scale));
    }

    /** The joint L2 norm of the gradients of {@code vars} (those without a gradient count as zero). */
    static double gradientNorm(List<Var> vars) {
        double s = 0;
        for (Var v : vars) {
            DMatrixRMaj g = v.gradData();
            if (g == null) continue;
            double n = norm(g);
            s = Math.hypot(s, n);
        }
        return s;
    }

    private static double sumSquares(double[] d, int n, double scale) {
        double s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            double a = d[i] * scale, b = d[i + 1] * scale;
            s0 += a * a;
            s1 += b * b;
        }
        if (i < n) {
            double a = d[i] * scale;
            s0 += a * a;
        }
        return s0 + s1;
    }

    /** Orders of magnitude between {@code maxAbs} and float64's largest value (infinite for 0). */
    static double ordersFromOverflow(double maxAbs) {
        return maxAbs == 0 ? Double.POSITIVE_INFINITY : Math.log10(Double.MAX_VALUE) - Math.log10(maxAbs);
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
