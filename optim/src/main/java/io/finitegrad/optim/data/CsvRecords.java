package io.finitegrad.optim.data;

import de.siegmar.fastcsv.reader.CloseableIterator;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import de.siegmar.fastcsv.reader.CsvRecordHandler;
import de.siegmar.fastcsv.reader.FieldMismatchStrategy;
import java.io.Closeable;
import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CSV file with a header, read one record at a time through FastCSV (RFC 4180: fields optionally
 * in double quotes, a quote inside a quoted field written twice, line breaks allowed inside
 * quotes). A UTF-8 byte-order mark is dropped, blank lines are skipped, header names are trimmed and
 * must be distinct, and every record must have as many fields as the header. Each record knows the
 * physical line each of its fields is on, so errors can name {@code file:line:column}.
 */
final class CsvRecords implements Closeable {
    private static final char BOM = '\uFEFF';
    private static final Pattern STARTED_IN_LINE = Pattern.compile("line (\\d+)");
    /**
     * FastCSV's default of 16,384 fields per record is too few for wide data (gene expression,
     * pixels); the record-size limit (characters) still bounds the memory a record can take.
     */
    private static final int MAX_COLUMNS = 10_000_000;

    final String source;
    private final CsvReader<CsvRecord> reader;
    private final CloseableIterator<CsvRecord> it;
    private final List<String> header;
    private final Map<String, Integer> columns;
    private CsvRecord current;

    private CsvRecords(String source, CsvReader<CsvRecord> reader) throws IOException {
        this.source = source;
        this.reader = reader;
        this.it = reader.iterator();
        if (!advance()) throw new CsvFormatException(source, 1, 0, "the file is empty; a header line is required");
        int line = line();
        int n = current.getFieldCount();
        List<String> names = new ArrayList<>(n);
        // a hash of the names seen keeps the duplicate check linear in the number of columns
        Map<String, Integer> seen = new HashMap<>(n * 2);
        for (int c = 0; c < n; c++) {
            String h = current.getField(c).trim();
            if (h.isEmpty()) throw new CsvFormatException(source, line, c + 1, "header cell is empty");
            Integer first = seen.putIfAbsent(h, c);
            if (first != null) {
                throw new CsvFormatException(source, line, c + 1, "duplicate column name '" + h + "' (columns "
                        + (first + 1) + " and " + (c + 1) + ")");
            }
            names.add(h);
        }
        this.header = List.copyOf(names);
        this.columns = seen;
    }

    /** Opens {@code in} and reads its header; {@code source} names it in errors. */
    static CsvRecords open(Reader in, String source, char delimiter) throws IOException {
        CsvReader<CsvRecord> reader = CsvReader.builder()
                .fieldSeparator(delimiter)
                .skipEmptyLines(true)
                .trimWhitespacesAroundQuotes(true)
                .allowUnclosedQuote(false)
                .allowExtraCharsAfterClosingQuote(false)
                // the field count is checked here, to name the line and both counts
                .extraFieldStrategy(FieldMismatchStrategy.IGNORE)
                .missingFieldStrategy(FieldMismatchStrategy.IGNORE)
                .build(CsvRecordHandler.builder().maxFields(MAX_COLUMNS).build(), withoutBom(in));
        try {
            return new CsvRecords(source, reader);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    private static Reader withoutBom(Reader in) throws IOException {
        PushbackReader p = new PushbackReader(in, 1);
        int first = p.read();
        if (first != BOM && first != -1) p.unread(first);
        return p;
    }

    /** The trimmed column names. */
    List<String> header() {
        return header;
    }

    /** The 0-based index of column {@code name}, or -1. */
    int column(String name) {
        Integer c = columns.get(name);
        return c == null ? -1 : c;
    }

    /** Moves to the next non-blank record; false at the end of the file. */
    boolean next() throws IOException {
        if (!advance()) return false;
        if (current.getFieldCount() != header.size()) {
            throw new CsvFormatException(source, line(), 0, "expected " + header.size()
                    + " fields as in the header, found " + current.getFieldCount());
        }
        return true;
    }

    private boolean advance() throws IOException {
        int before = current == null ? 0 : line();
        try {
            do {
                if (!it.hasNext()) return false;
                current = it.next();
            } while (current.getFieldCount() == 1 && current.getField(0).isBlank()); // a line of spaces
            return true;
        } catch (CsvParseException e) {
            throw parseError(e, before);
        } catch (UncheckedIOException e) {
            throw e.getCause(); // the reader failed, not the format
        }
    }

    private CsvFormatException parseError(CsvParseException e, int lineBefore) {
        Matcher m = STARTED_IN_LINE.matcher(String.valueOf(e.getMessage()));
        int line = m.find() ? Integer.parseInt(m.group(1)) : lineBefore + 1;
        String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
        if (why != null && why.startsWith("Unclosed quoted field")) why = "unterminated quoted field (opened on line " + line + ")";
        return new CsvFormatException(source, line, 0, why);
    }

    /** The raw text of field {@code c} of the current record. */
    String cell(int c) {
        return current.getField(c);
    }

    /** The line the current record starts on. */
    int line() {
        return (int) current.getStartingLineNumber();
    }

    /** The physical line field {@code c} of the current record is on (later than {@link #line()} after a quoted line break). */
    int line(int c) {
        int line = line();
        for (int f = 0; f < c; f++) {
            String s = current.getField(f);
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                if (ch == '\n' || ch == '\r' && (i + 1 == s.length() || s.charAt(i + 1) != '\n')) line++;
            }
        }
        return line;
    }

    /** An error about field {@code c} of the current record: {@code file:line:column: column 'name': what}. */
    CsvFormatException cellError(int c, String what) {
        return cellError(c, what, null);
    }

    /** As {@link #cellError(int, String)}, with a remedy naming library calls in braces (see {@link Hints}). */
    CsvFormatException cellError(int c, String what, String hint) {
        return new CsvFormatException(source, line(c), c + 1, "column '" + header.get(c) + "': " + what, hint);
    }

    /** The header for an error message, shortened when it is very wide. */
    String describeHeader() {
        int shown = 20;
        if (header.size() <= shown) return header.toString();
        return header.size() + " columns " + header.subList(0, shown).toString().replace("]", ", ...]");
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
