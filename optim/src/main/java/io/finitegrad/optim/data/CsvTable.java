package io.finitegrad.optim.data;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * The raw cells of a CSV file with a header, parsed by RFC 4180 rules: fields separated by the
 * delimiter, optionally enclosed in double quotes, a quote inside a quoted field written twice,
 * line breaks (LF or CRLF) allowed inside quotes. Blank lines are skipped. Each record remembers
 * the line it starts on, for error messages.
 */
final class CsvTable {
    final String source;
    final List<String> header;
    final List<String[]> rows = new ArrayList<>();
    final List<Integer> lines = new ArrayList<>();

    private CsvTable(String source, List<String> header) {
        this.source = source;
        this.header = header;
    }

    static CsvTable parse(Reader in, String source, char delimiter) throws IOException {
        Parser p = new Parser(in, source, delimiter);
        List<String> header = p.next();
        if (header == null) throw new CsvFormatException(source, 1, 0, "the file is empty; a header line is required");
        for (int c = 0; c < header.size(); c++) {
            String h = header.get(c).trim();
            if (h.isEmpty()) throw new CsvFormatException(source, p.recordLine, c + 1, "header cell is empty");
            if (header.subList(0, c).stream().anyMatch(x -> x.trim().equals(h))) {
                throw new CsvFormatException(source, p.recordLine, c + 1, "duplicate column name '" + h + "'");
            }
            header.set(c, h);
        }
        CsvTable t = new CsvTable(source, List.copyOf(header));
        List<String> rec;
        while ((rec = p.next()) != null) {
            if (rec.size() != header.size()) {
                throw new CsvFormatException(source, p.recordLine, 0, "expected " + header.size()
                        + " fields as in the header, found " + rec.size());
            }
            t.rows.add(rec.toArray(new String[0]));
            t.lines.add(p.recordLine);
        }
        return t;
    }

    int column(String name) {
        return header.indexOf(name);
    }

    private static final class Parser {
        private final Reader in;
        private final String source;
        private final char delim;
        private int line = 1;
        private int recordLine;
        private int pushback = -2;

        Parser(Reader in, String source, char delim) {
            this.in = in;
            this.source = source;
            this.delim = delim;
        }

        private int read() throws IOException {
            if (pushback != -2) {
                int c = pushback;
                pushback = -2;
                return c;
            }
            return in.read();
        }

        /** The next non-blank record, or null at end of input. */
        List<String> next() throws IOException {
            while (true) {
                recordLine = line;
                List<String> fields = new ArrayList<>();
                StringBuilder cell = new StringBuilder();
                boolean any = false;
                int c = read();
                if (c == -1) return null;
                while (true) {
                    if (c == '"' && cell.length() == 0) {
                        any = true;
                        readQuoted(cell);
                        c = read();
                        while (c == ' ' || c == '\t') c = read();
                        if (c != delim && c != '\n' && c != '\r' && c != -1) {
                            throw new CsvFormatException(source, line, fields.size() + 1,
                                    "unexpected character '" + (char) c + "' after a closing quote");
                        }
                        continue;
                    }
                    if (c == delim) {
                        fields.add(cell.toString());
                        cell.setLength(0);
                        any = true;
                    } else if (c == '\n' || c == '\r' || c == -1) {
                        if (c == '\r') {
                            int d = read();
                            if (d != '\n') pushback = d;
                        }
                        if (c != -1) line++;
                        if (!any && cell.toString().isBlank()) {
                            if (c == -1) return null;
                            break; // blank line
                        }
                        fields.add(cell.toString());
                        return fields;
                    } else {
                        cell.append((char) c);
                        any = true;
                    }
                    c = read();
                }
            }
        }

        private void readQuoted(StringBuilder cell) throws IOException {
            int start = line;
            while (true) {
                int c = read();
                if (c == -1) throw new CsvFormatException(source, start, 0, "unterminated quoted field (opened on line " + start + ")");
                if (c == '"') {
                    int d = read();
                    if (d == '"') {
                        cell.append('"');
                        continue;
                    }
                    pushback = d;
                    return;
                }
                if (c == '\n') line++;
                else if (c == '\r') {
                    int d = read();
                    if (d != '\n') pushback = d;
                    line++;
                    cell.append('\n');
                    continue;
                }
                cell.append((char) c);
            }
        }
    }
}
