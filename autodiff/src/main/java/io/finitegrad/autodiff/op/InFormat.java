package io.finitegrad.autodiff.op;

import io.finitegrad.core.Precision;
import java.util.Locale;

/**
 * The numbers and phrases a diagnosis or remedy quotes about the format the graph is computed in
 * ({@link Precision#current()}, emulated with {@code Precision.emulate}): its range, its exp
 * threshold, an epsilon and a mask value that survive rounding to it. Under float64 every phrase is
 * the one the reports always had ("the double range", "1e-12", "-1e9"), so float64 reports read as
 * before; under an emulated format the phrases name it ("float16's range (|x| > 65504)").
 * Nothing here throws.
 */
public final class InFormat {
    private InFormat() {
    }

    /** {@code ""} for float64, else {@code " in float16"}: appended to a sentence about a value. */
    public static String in(Precision p) {
        return p.isNative() ? "" : " in " + p.label();
    }

    /** {@code "the double range"} for float64, else {@code "float16's range (|x| > 65504)"}. */
    public static String range(Precision p) {
        return p.isNative() ? "the double range" : p.label() + "'s range (|x| > " + number(p.maxFinite()) + ")";
    }

    /** The exp overflow threshold with two decimals: {@code 709.78}, {@code 88.72}, {@code 11.09}. */
    public static String expLimit(Precision p) {
        return String.format(Locale.ROOT, "%.2f", p.expOverflow());
    }

    /**
     * {@code usual} if it is a normal number of {@code p} (1e-12 and 1e-8 are, in float64, float32 and
     * bfloat16), else the smallest power of ten at or above the format's smallest normal (1e-4 in
     * float16, where 1e-12 and 1e-8 round to 0): an epsilon that still moves a zero away from zero.
     */
    public static double epsilon(Precision p, double usual) {
        if (Math.abs(p.round(usual)) >= p.minNormal()) return usual;
        return Math.pow(10, Math.ceil(Math.log10(p.minNormal())));
    }

    /** {@link #epsilon} as it is written in a remedy: {@code 1e-12}, {@code 1e-8}, {@code 1e-4}. */
    public static String eps(Precision p, double usual) {
        return number(epsilon(p, usual));
    }

    /**
     * Why the epsilon differs from the usual one, for the end of a remedy: {@code ""} when it does not,
     * else e.g. {@code " (1e-12 rounds to 0 in float16; 1e-4 is above its smallest normal 6.1e-5)"}.
     */
    public static String epsNote(Precision p, double usual) {
        double e = epsilon(p, usual);
        if (e == usual) return "";
        return " (" + number(usual) + " rounds to 0 in " + p.label() + "; " + number(e) + " is above its smallest normal "
                + number(p.minNormal()) + ")";
    }

    /**
     * A large finite negative mask value that stays finite in the format: {@code "-1e9"} where it is,
     * else e.g. {@code "-1e4 (or -65504, float16's lowest finite value; -1e9 is -Infinity in float16)"}.
     */
    public static String mask(Precision p) {
        if (Double.isFinite(p.round(-1e9))) return "-1e9";
        return "-1e4 (or -" + number(p.maxFinite()) + ", " + p.label() + "'s lowest finite value; -1e9 is -Infinity in "
                + p.label() + ")";
    }

    /**
     * A number for a message: whole numbers below a million as they are ({@code 65504}), others in
     * two significant digits ({@code 1.8e308}, {@code 6.1e-5}, {@code 1e-12}).
     */
    public static String number(double v) {
        if (v == 0 || !Double.isFinite(v)) return Double.toString(v);
        double a = Math.abs(v);
        if (a < 1e6 && a >= 1 && v == Math.rint(v)) return Long.toString((long) v);
        if (a >= 1e-3 && a < 1e6) {
            String s = String.format(Locale.ROOT, "%.3g", v);
            return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        int exp = (int) Math.floor(Math.log10(a));
        String m = String.format(Locale.ROOT, "%.1f", v / Math.pow(10, exp));
        if (m.startsWith("10") || m.startsWith("-10")) {
            exp++;
            m = String.format(Locale.ROOT, "%.1f", v / Math.pow(10, exp));
        }
        if (m.endsWith(".0") && Math.abs(v / Math.pow(10, exp) - Math.rint(v / Math.pow(10, exp))) < 1e-9) {
            m = m.substring(0, m.length() - 2);
        }
        return m + "e" + exp;
    }
}
