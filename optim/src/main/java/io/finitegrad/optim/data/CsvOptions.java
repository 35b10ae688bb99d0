package io.finitegrad.optim.data;

import java.util.List;

/**
 * How {@link Csv} turns a file into a {@link Dataset}: the label column (class names mapped to
 * indices) or numeric target columns, columns to ignore, the delimiter, the {@link BadCellPolicy},
 * and for a label column the {@link ClassVocabulary} to number its classes with. Immutable; each
 * {@code with}-style method returns a new copy.
 *
 * <pre>{@code
 * Dataset train = Csv.read(trainCsv, CsvOptions.label("species").badCells(BadCellPolicy.DROP_ROW));
 * Dataset test = Csv.read(testCsv, CsvOptions.label("species").classes(train.classes()));
 * }</pre>
 *
 * @throws IllegalArgumentException for a null, empty or blank column name, no target columns, a null policy or
 *     vocabulary, or a delimiter that cannot be one
 * @throws IllegalStateException from {@link #classes(ClassVocabulary)} on options without a label column
 */
public final class CsvOptions {
    final String label;
    final List<String> targets;
    final List<String> ignored;
    final char delimiter;
    final BadCellPolicy policy;
    /** The given class numbering, or null to derive it from the file's labels. */
    final ClassVocabulary classes;

    private CsvOptions(String label, List<String> targets, List<String> ignored, char delimiter, BadCellPolicy policy,
                       ClassVocabulary classes) {
        this.label = label;
        this.targets = targets;
        this.ignored = ignored;
        this.delimiter = delimiter;
        this.policy = policy;
        this.classes = classes;
    }

    /** Classification: {@code column} holds class names; every other column is a numeric feature. */
    public static CsvOptions label(String column) {
        if (column == null || column.isBlank()) throw new IllegalArgumentException("CsvOptions.label: column name is empty");
        return new CsvOptions(column, List.of(), List.of(), ',', BadCellPolicy.FAIL, null);
    }

    /** Regression: these numeric columns are the targets; every other column is a feature. */
    public static CsvOptions targets(String... columns) {
        if (columns == null || columns.length == 0) {
            throw new IllegalArgumentException("CsvOptions.targets: give at least one target column");
        }
        return new CsvOptions(null, columns("CsvOptions.targets", columns), List.of(), ',', BadCellPolicy.FAIL, null);
    }

    /** Same options with another policy for missing, non-numeric and NaN/Inf cells. */
    public CsvOptions badCells(BadCellPolicy p) {
        if (p == null) throw new IllegalArgumentException("CsvOptions.badCells: policy is null");
        return new CsvOptions(label, targets, ignored, delimiter, p, classes);
    }

    /** Same options with another field delimiter (e.g. ';' or '\t'). */
    public CsvOptions delimiter(char d) {
        if (d == '"' || d == '\n' || d == '\r') {
            throw new IllegalArgumentException("CsvOptions.delimiter: '" + d + "' cannot be a delimiter");
        }
        return new CsvOptions(label, targets, ignored, d, policy, classes);
    }

    /** Same options, skipping these columns (ids, free text). */
    public CsvOptions ignore(String... columns) {
        return new CsvOptions(label, targets, columns("CsvOptions.ignore", columns), delimiter, policy, classes);
    }

    /** The column names, each checked to be non-blank. */
    private static List<String> columns(String who, String[] columns) {
        if (columns == null) throw new IllegalArgumentException(who + ": the column names are null");
        for (int i = 0; i < columns.length; i++) {
            if (columns[i] == null || columns[i].isBlank()) {
                throw new IllegalArgumentException(who + ": column " + i + " is " + (columns[i] == null ? "null" : "blank"));
            }
        }
        return List.of(columns);
    }

    /**
     * Same options, numbering the label column's classes by {@code vocabulary} instead of deriving
     * the numbering from this file: how test and new data are read with the training set's classes
     * ({@code train.classes()}), so that a file lacking a class, or listing classes in another
     * order, still gets the training numbers. A label that is not in the vocabulary fails the load
     * with its file:line:column; a file holding a single class is then fine.
     */
    public CsvOptions classes(ClassVocabulary vocabulary) {
        if (vocabulary == null) throw new IllegalArgumentException("CsvOptions.classes: vocabulary is null");
        if (label == null) {
            throw new IllegalStateException("CsvOptions.classes: these options read numeric targets " + targets
                    + "; a class vocabulary needs a label column (CsvOptions.label)");
        }
        return new CsvOptions(label, targets, ignored, delimiter, policy, vocabulary);
    }

    /** The policy for missing, non-numeric and NaN/Inf cells. */
    public BadCellPolicy policy() {
        return policy;
    }
}
