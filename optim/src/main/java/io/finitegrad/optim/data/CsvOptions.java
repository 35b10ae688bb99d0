package io.finitegrad.optim.data;

import java.util.List;

/**
 * How {@link Csv} turns a file into a {@link Dataset}: the label column (class names mapped to
 * indices) or numeric target columns, columns to ignore, the delimiter, and the
 * {@link BadCellPolicy}. Immutable; each {@code with}-style method returns a new copy.
 *
 * <pre>{@code
 * Csv.read(path, CsvOptions.label("species").badCells(BadCellPolicy.DROP_ROW));
 * }</pre>
 */
public final class CsvOptions {
    final String label;
    final List<String> targets;
    final List<String> ignored;
    final char delimiter;
    final BadCellPolicy policy;

    private CsvOptions(String label, List<String> targets, List<String> ignored, char delimiter, BadCellPolicy policy) {
        this.label = label;
        this.targets = targets;
        this.ignored = ignored;
        this.delimiter = delimiter;
        this.policy = policy;
    }

    /** Classification: {@code column} holds class names; every other column is a numeric feature. */
    public static CsvOptions label(String column) {
        if (column == null || column.isBlank()) throw new IllegalArgumentException("CsvOptions.label: column name is empty");
        return new CsvOptions(column, List.of(), List.of(), ',', BadCellPolicy.FAIL);
    }

    /** Regression: these numeric columns are the targets; every other column is a feature. */
    public static CsvOptions targets(String... columns) {
        if (columns == null || columns.length == 0) {
            throw new IllegalArgumentException("CsvOptions.targets: give at least one target column");
        }
        return new CsvOptions(null, List.of(columns), List.of(), ',', BadCellPolicy.FAIL);
    }

    /** Same options with another policy for missing, non-numeric and NaN/Inf cells. */
    public CsvOptions badCells(BadCellPolicy p) {
        if (p == null) throw new IllegalArgumentException("CsvOptions.badCells: policy is null");
        return new CsvOptions(label, targets, ignored, delimiter, p);
    }

    /** Same options with another field delimiter (e.g. ';' or '\t'). */
    public CsvOptions delimiter(char d) {
        if (d == '"' || d == '\n' || d == '\r') {
            throw new IllegalArgumentException("CsvOptions.delimiter: '" + d + "' cannot be a delimiter");
        }
        return new CsvOptions(label, targets, ignored, d, policy);
    }

    /** Same options, skipping these columns (ids, free text). */
    public CsvOptions ignore(String... columns) {
        return new CsvOptions(label, targets, List.of(columns), delimiter, policy);
    }

    public BadCellPolicy policy() {
        return policy;
    }
}
