package io.finitegrad.optim.data;

/**
 * What {@link Csv} does with a feature cell that is missing, not a number, or NaN/Inf. The default
 * is to fail: a silent NaN in the data is a NaN in the loss a few steps later.
 */
public enum BadCellPolicy {
    /** Throw a {@link CsvFormatException} naming file, line and column. */
    FAIL,
    /** Drop every row that has such a cell (in a feature, target or label column). */
    DROP_ROW,
    /**
     * Replace such a numeric cell by the mean of the column's good cells; a bad label cell still
     * fails (a class cannot be averaged), as does a column with no good cell at all.
     */
    IMPUTE_MEAN,
    /**
     * Load NaN and Inf cells (NaN, Inf, Infinity, -inf, a number beyond the double range) as the
     * non-finite values they are, so bad data can be inspected (with {@link DataReport}, or by
     * letting the guard report the row and line it reaches); a missing or non-numeric cell still
     * fails with file:line:column, as does a missing label.
     */
    KEEP_NON_FINITE
}
