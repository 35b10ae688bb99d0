package io.finitegrad.optim.data;

import java.util.Locale;

/**
 * How the text of a numeric CSV cell is judged: a finite number in plain decimal or scientific
 * notation, missing (empty, NA, N/A, ?, null), NaN/Inf, or not a number (anything else, including
 * hexadecimal and Java's {@code 1d} suffixes).
 */
final class Cells {
    private Cells() {
    }

    /** What a cell holds. */
    enum Kind { OK, MISSING, NOT_A_NUMBER, NON_FINITE }

    /**
     * The cell's finite value, or NaN if it is anything else ({@link #classify} then says what).
     * Only characters of decimal notation and blanks (which {@code trim} and {@code parseDouble} drop) reach {@code parseDouble}, so a good
     * cell is parsed once and allocates nothing.
     */
    static double finiteOrNaN(String raw) {
        boolean digit = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c >= '0' && c <= '9') digit = true;
            else if (!(c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' || c <= ' ')) return Double.NaN;
        }
        if (!digit) return Double.NaN;
        try {
            double v = Double.parseDouble(raw);
            return Double.isFinite(v) ? v : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static Kind classify(String raw) {
        String s = raw.trim();
        if (s.isEmpty()) return Kind.MISSING;
        String l = s.toLowerCase(Locale.ROOT);
        if (l.equals("na") || l.equals("n/a") || l.equals("?") || l.equals("null")) return Kind.MISSING;
        String u = l.startsWith("+") || l.startsWith("-") ? l.substring(1) : l;
        if (u.equals("nan") || u.equals("inf") || u.equals("infinity")) return Kind.NON_FINITE;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return Kind.NOT_A_NUMBER;
        }
        try {
            return Double.isFinite(Double.parseDouble(s)) ? Kind.OK : Kind.NON_FINITE;
        } catch (NumberFormatException e) {
            return Kind.NOT_A_NUMBER;
        }
    }

    /** The value of a {@link Kind#NON_FINITE} cell: NaN, +Inf or -Inf. */
    static double nonFiniteValue(String raw) {
        String l = raw.trim().toLowerCase(Locale.ROOT);
        if (l.contains("nan")) return Double.NaN;
        try {
            return Double.parseDouble(l); // finite overflow such as 1e999 parses to +/-Infinity
        } catch (NumberFormatException e) {
            return l.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
    }

    /** What is wrong with a cell that is not {@link Kind#OK}. */
    static String problem(Kind k, String raw) {
        switch (k) {
            case MISSING: return "missing value" + (raw.isBlank() ? "" : " '" + raw.trim() + "'");
            case NON_FINITE: return "'" + raw.trim() + "' is not a finite number";
            default: return "'" + raw.trim() + "' is not a number";
        }
    }
}
