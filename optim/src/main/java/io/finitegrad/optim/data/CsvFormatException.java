package io.finitegrad.optim.data;

import java.io.IOException;
import java.util.function.Function;

/**
 * A CSV file that cannot become a {@link Dataset} as asked: a cell that is not a number, a missing
 * or NaN/Inf cell (under {@link BadCellPolicy#FAIL}), a row with the wrong number of fields, an
 * unterminated quote, a missing, empty or duplicate column, a label that is not in the given
 * {@link ClassVocabulary}, a single-class label column to derive a vocabulary from. The message starts with
 * {@code file:line:column:} (1-based; column 0 when the whole line is at fault) and names the column,
 * e.g. {@code iris.csv:17:3: column 'petal_length': 'abc' is not a number}.
 *
 * <p>Where the problem has a remedy in the library's options, the message ends with it in
 * parentheses, naming the Java call ({@code BadCellPolicy.DROP_ROW}); a front end with options of
 * its own names them instead through {@link #message(Function)}.
 */
public class CsvFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final int line;
    private final int column;
    private final String problem;
    /** The remedy as a {@link Hints} template, or null. */
    private final String hint;

    /** A problem without a remedy to suggest. */
    public CsvFormatException(String source, int line, int column, String message) {
        this(source, line, column, message, null);
    }

    /**
     * A problem and its remedy, {@code hint}, which names library calls in braces
     * ({@code "fix the file, or load with {BadCellPolicy.DROP_ROW}"}); null for none.
     */
    public CsvFormatException(String source, int line, int column, String problem, String hint) {
        super(text(source, line, column, problem, Hints.render(hint, Hints.JAVA)));
        this.source = source;
        this.line = line;
        this.column = column;
        this.problem = problem;
        this.hint = hint;
    }

    private static String text(String source, int line, int column, String problem, String hint) {
        return source + ":" + line + ":" + column + ": " + problem + (hint == null ? "" : " (" + hint + ")");
    }

    /**
     * The message with the remedy's library calls named by {@code spelling} (which maps a Java
     * reference such as {@code BadCellPolicy.DROP_ROW} to, say, a command-line flag); without the
     * remedy if {@code spelling} gives null for one of them. {@link #getMessage()} is
     * {@code message(ref -> ref)}.
     */
    public String message(Function<String, String> spelling) {
        return text(source, line, column, problem, Hints.render(hint, spelling));
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
