package io.finitegrad.autodiff;

import java.util.List;

/**
 * Where each row of an input tensor came from: the source (a file name such as {@code iris.csv},
 * or a dataset's name), the row of that source each tensor row is, the file line of each source row
 * when the source is a file, and the column names. Attached to an input node with
 * {@link Var#input(String, io.finitegrad.core.Tensor, Provenance)}, it turns a report's
 * "first at (3, 1)" of a shuffled batch into "row 57 of iris.csv (line 58), feature 'petal_width'".
 *
 * <p>{@link #sourceRow} numbers rows from 0, as the dataset loaded from it indexes them; in words
 * ({@link #describe}) rows count from 1, as a person counts the data rows below a header, and lines
 * from 1, as an editor shows them, so data row 57 of a file with a header is on line 58. An immutable value: a batch's provenance is this one narrowed to the
 * batch's rows with {@link #select(int[])}, which copies one int per row and shares the rest, and
 * the text is made by {@link #describe(int, int)} only when a report needs it.
 *
 * @throws IllegalArgumentException for a blank source, null column names or rows, a negative row count,
 *     a row outside the rows described, or a line that is not positive
 */
public final class Provenance {
    private final String source;
    /** The file line of each source row (1-based), or null when the source is not a file. Never written. */
    private final int[] lines;
    /** The source row of each row described, or null for rows 0..size-1 of the source themselves. */
    private final int[] rows;
    private final int size;
    private final List<String> columns;

    private Provenance(String source, int[] lines, int[] rows, int size, List<String> columns) {
        this.source = source;
        this.lines = lines;
        this.rows = rows;
        this.size = size;
        this.columns = columns;
    }

    /** Rows 0..{@code rows}-1 of a source that is not a file (a dataset built from arrays): "row i of name". */
    public static Provenance of(String source, int rows, List<String> columns) {
        if (rows < 0) throw new IllegalArgumentException("Provenance.of: rows must be >= 0, got " + rows);
        return new Provenance(requireSource(source), null, null, rows, requireColumns(columns));
    }

    /**
     * The rows of a file, row {@code i} on line {@code lines[i]} (1-based; rows need not be on
     * consecutive lines: a header, blank lines, dropped rows and quoted line breaks are skipped).
     */
    public static Provenance ofFile(String file, int[] lines, List<String> columns) {
        if (lines == null) throw new IllegalArgumentException("Provenance.ofFile: lines are null");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i] < 1) throw new IllegalArgumentException("Provenance.ofFile: row " + i + " is on line " + lines[i] + ", lines start at 1");
        }
        return new Provenance(requireSource(file), lines.clone(), null, lines.length, requireColumns(columns));
    }

    private static String requireSource(String source) {
        if (source == null || source.isBlank()) throw new IllegalArgumentException("Provenance: the source name is empty");
        return source;
    }

    private static List<String> requireColumns(List<String> columns) {
        if (columns == null) throw new IllegalArgumentException("Provenance: column names are null");
        return List.copyOf(columns);
    }

    /**
     * The provenance of the rows {@code picked} of what this describes, in that order (a subset,
     * a split, a shuffled batch).
     *
     * @throws IllegalArgumentException for a row outside [0, {@link #size()})
     */
    public Provenance select(int[] picked) {
        if (picked == null) throw new IllegalArgumentException("Provenance.select: rows are null");
        int[] out = new int[picked.length];
        for (int i = 0; i < picked.length; i++) {
            int r = picked[i];
            if (r < 0 || r >= size) throw new IllegalArgumentException("Provenance.select: row " + r + " outside [0, " + size + ")");
            out[i] = rows == null ? r : rows[r];
        }
        return new Provenance(source, lines, out, out.length, columns);
    }

    /** The same rows under other column names (features renamed or re-derived); the count may change. */
    public Provenance withColumns(List<String> names) {
        return new Provenance(source, lines, rows, size, requireColumns(names));
    }

    /** The file or dataset the rows came from. */
    public String source() {
        return source;
    }

    /** How many rows this describes. */
    public int size() {
        return size;
    }

    /** The column names (may be empty when they are unknown). */
    public List<String> columns() {
        return columns;
    }

    /** The source row (0-based) that row {@code row} is. */
    public int sourceRow(int row) {
        if (row < 0 || row >= size) throw new IllegalArgumentException("Provenance.sourceRow: row " + row + " outside [0, " + size + ")");
        return rows == null ? row : rows[row];
    }

    /** The file line (1-based) of row {@code row}, or -1 when the source is not a file. */
    public int line(int row) {
        return lines == null ? -1 : lines[sourceRow(row)];
    }

    /**
     * Element ({@code row}, {@code col}) in words: {@code row 57 of iris.csv (line 58), feature
     * 'petal_width'}; the feature is {@code column 3} when the column has no name, and left out
     * for a negative {@code col} (the row alone).
     */
    public String describe(int row, int col) {
        StringBuilder sb = new StringBuilder("row ").append(sourceRow(row) + 1).append(" of ").append(source);
        if (lines != null) sb.append(" (line ").append(line(row)).append(')');
        if (col >= 0 && col < columns.size()) sb.append(", feature '").append(columns.get(col)).append('\'');
        else if (col >= 0) sb.append(", column ").append(col);
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Provenance " + size + " row(s) of " + source + (lines == null ? "" : " (a file)") + ", columns " + columns;
    }
}
