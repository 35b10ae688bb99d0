package io.finitegrad.examples.nanlab;

import io.finitegrad.core.FiniteStats;
import io.finitegrad.examples.nanlab.InspectCommand.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text {@code nanlab inspect} prints, every line within {@value #COLUMNS} columns: a title, one
 * table row per header entry, the metadata and the verdict. A name wider than its column goes on
 * a line of its own, wrapped (never cut) when wider than the screen, and its row follows under the
 * dtype column; a row too wide for the screen (huge counts or range) continues on the next line
 * under the dtype. Metadata values too long for their line are shortened with "..." and their
 * length; the verdict shortens names in the middle (the table above shows them whole). Control
 * characters in names and metadata are shown escaped, so a hostile name cannot fake lines.
 */
final class InspectReport {
    /** Screen width every line keeps to. */
    static final int COLUMNS = 80;
    /** Name column: as wide as the longest name, within these bounds. */
    private static final int MIN_NAME = 6, MAX_NAME = 24;
    /** Longest metadata key shown whole, so that a value always has room. */
    private static final int MAX_KEY = 36;
    /** Longest name in the verdict. */
    private static final int VERDICT_NAME = 24;
    private static final String SKIPPED = "skipped (integer counter, not loaded)";

    private InspectReport() {
    }

    /** The whole report for the file named {@code file} of {@code bytes} bytes. */
    static String text(String file, long bytes, List<Entry> entries, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder();
        sb.append(shortenMiddle(escape(file), COLUMNS - 24)).append(" (").append(bytes).append(" bytes)\n\n");
        int width = MIN_NAME;
        for (Entry e : entries) width = Math.max(width, Math.min(MAX_NAME, escape(e.stored().name()).length()));
        if (!entries.isEmpty()) {
            sb.append(row(width, "tensor", List.of(cell("dtype", 5), cell("shape", 12), right("NaN", 5), right("+Inf", 5),
                    right("-Inf", 5), "  finite range")));
            for (Entry e : entries) sb.append(row(width, escape(e.stored().name()), cells(e)));
            sb.append('\n');
        }
        if (metadata.isEmpty()) sb.append("no metadata\n");
        else sb.append("metadata (").append(count(metadata.size(), "entry", "entries")).append("):\n");
        for (Map.Entry<String, String> m : metadata.entrySet()) sb.append(metadataLine(m.getKey(), m.getValue())).append('\n');
        return sb.append('\n').append(verdict(entries)).append('\n').toString();
    }

    /**
     * One line: "3 tensors, 1 skipped: all finite", or "2 of 5 tensors hold NaN/Inf: a (3 NaN),
     * b (1 +Inf, 2 -Inf)" with as many culprits as fit and "and N more" for the others.
     */
    static String verdict(List<Entry> entries) {
        if (entries.isEmpty()) return "no tensors";
        List<Entry> bad = entries.stream().filter(Entry::nonFinite).toList();
        long skipped = entries.stream().filter(e -> e.stats() == null).count();
        if (bad.isEmpty()) {
            return count(entries.size(), "tensor", "tensors") + (skipped > 0 ? ", " + skipped + " skipped" : "") + ": all finite";
        }
        StringBuilder v = new StringBuilder().append(bad.size()).append(" of ").append(count(entries.size(), "tensor", "tensors"))
                .append(bad.size() == 1 ? " holds" : " hold").append(" NaN/Inf: ");
        int shown = 0;
        for (Entry e : bad) {
            String piece = (shown > 0 ? ", " : "") + shortenMiddle(escape(e.stored().name()), VERDICT_NAME) + " ("
                    + e.stats().nonFiniteCounts() + ")";
            int left = bad.size() - shown - 1;
            String more = left > 0 ? ", and " + left + " more" : "";
            if (v.length() + piece.length() + more.length() > COLUMNS) break;
            v.append(piece);
            shown++;
        }
        if (shown == 0) return v.append("see the table above").toString();
        if (shown < bad.size()) v.append(", and ").append(bad.size() - shown).append(" more");
        return v.toString();
    }

    private static List<String> cells(Entry e) {
        List<String> c = new ArrayList<>(List.of(cell(e.stored().dtype(), 5), cell(shape(e.stored().shape()), 12)));
        FiniteStats s = e.stats();
        if (s == null) {
            c.add(" " + SKIPPED);
            return c;
        }
        c.add(right(String.valueOf(s.nanCount()), 5));
        c.add(right(String.valueOf(s.posInfCount()), 5));
        c.add(right(String.valueOf(s.negInfCount()), 5));
        c.add("  " + (Double.isNaN(s.min()) ? "no finite value" : num(s.min()) + ".." + num(s.max())));
        return c;
    }

    /**
     * The name in its column, then the cells while they fit; a cell that does not starts a new
     * line under the first cell, so nothing is ever cut.
     */
    private static String row(int width, String name, List<String> cells) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        if (name.length() <= width) {
            line.append(name).append(" ".repeat(width - name.length()));
        } else {
            for (String part : wrapName(name)) out.append(part).append('\n');
            line.append(" ".repeat(width));
        }
        for (String c : cells) {
            if (line.length() + c.stripTrailing().length() > COLUMNS && !line.isEmpty()) {
                out.append(line.toString().stripTrailing()).append('\n');
                line.setLength(0);
                line.append(" ".repeat(width + 1)).append(c.strip());
            } else {
                line.append(c);
            }
        }
        return out.append(line.toString().stripTrailing()).append('\n').toString();
    }

    /** A name too wide for the screen, in pieces: the first at full width, the others indented by two. */
    private static List<String> wrapName(String name) {
        List<String> parts = new ArrayList<>();
        int from = 0, width = COLUMNS;
        while (from < name.length()) {
            int to = cut(name, Math.min(name.length(), from + width));
            parts.add((from == 0 ? "" : "  ") + name.substring(from, to));
            from = to;
            width = COLUMNS - 2;
        }
        return parts;
    }

    private static String metadataLine(String key, String value) {
        String k = shortenMiddle(escape(key), MAX_KEY), v = escape(value);
        String head = "  " + k + " = ";
        if (head.length() + v.length() <= COLUMNS) return head + v;
        String tail = "... (" + value.length() + " chars)";
        return head + v.substring(0, cut(v, COLUMNS - head.length() - tail.length())) + tail;
    }

    /** "3 NaN, 1 +Inf": the non-zero counts. */
    private static String counts(FiniteStats s) {
        List<String> parts = new ArrayList<>();
        if (s.nanCount() > 0) parts.add(s.nanCount() + " NaN");
        if (s.posInfCount() > 0) parts.add(s.posInfCount() + " +Inf");
        if (s.negInfCount() > 0) parts.add(s.negInfCount() + " -Inf");
        return String.join(", ", parts);
    }

    /** The shape as the header writes it: [], [8], [4, 8]. */
    static String shape(List<Long> dims) {
        return dims.toString();
    }

    /** Four significant digits, trailing zeros dropped: 0.4976, -2, 1.5e+30. */
    static String num(double v) {
        String s = String.format(Locale.ROOT, "%.4g", v);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e), exponent = e < 0 ? "" : s.substring(e);
        if (mantissa.indexOf('.') >= 0) mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        return mantissa + exponent;
    }

    /** {@code s} at most {@code width} characters, its middle replaced by "...". */
    static String shortenMiddle(String s, int width) {
        if (s.length() <= width) return s;
        int keep = width - 3;
        int head = cut(s, (keep + 1) / 2), tail = s.length() - keep / 2;
        if (tail < s.length() && Character.isLowSurrogate(s.charAt(tail))) tail++;
        return s.substring(0, head) + "..." + s.substring(tail);
    }

    /** Control characters as \\uXXXX: a name holding a newline or an escape sequence stays one visible line. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** {@code at}, moved back one if it would split a surrogate pair. */
    private static int cut(String s, int at) {
        return at > 0 && at < s.length() && Character.isLowSurrogate(s.charAt(at)) ? at - 1 : at;
    }

    private static String cell(String s, int width) {
        return " " + s + " ".repeat(Math.max(0, width - s.length()));
    }

    private static String right(String s, int width) {
        return " " + " ".repeat(Math.max(0, width - s.length())) + s;
    }

    private static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
