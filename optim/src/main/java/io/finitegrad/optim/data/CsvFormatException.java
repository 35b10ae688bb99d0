package io.finitegrad.optim.data;

import java.io.IOException;

/**
 * A CSV file that cannot become a {@link Dataset} as asked: a cell that is not a number, a missing
 * or NaN/Inf cell (under {@link BadCellPolicy#FAIL}), a row with the wrong number of fields, an
 * unterminated quote, a missing, empty or duplicate column, a label that is not in the given
 * {@link ClassVocabulary}, a single-class label column to derive a vocabulary from. The message starts with
 * {@code file:line:column:} (1-based; column 0 when the whole line is at fault) and names the column,
 * e.g. {@code iris.csv:17:3: column 'petal_length': 'abc' is not a number}.
 */
public class CsvFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final int line;
    private final int column;

    public CsvFormatException(String source, int line, int column, String message) {
        super(source + ":" + line + ":" + column + ": " + message);
        this.source = source;
        this.line = line;
        this.column = column;
    }

    /** The file name (or the name given for a reader). */
    public String source() {
        return source;
    }

    /** 1-based line where the offending record starts. */
    public int line() {
        return line;
    }

    /** 1-based column of the offending cell, 0 for a problem with the whole line or file. */
    public int column() {
        return column;
    }
}
