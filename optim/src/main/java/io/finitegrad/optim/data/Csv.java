package io.finitegrad.optim.data;

import io.finitegrad.autodiff.Provenance;
import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Loads a CSV file with a header into a {@link Dataset} (or, for prediction, a feature matrix),
 * streaming it through FastCSV. Every feature and target cell must be a finite number written in
 * plain decimal or scientific notation; a missing cell (empty, NA, N/A, ?, null), a non-numeric cell
 * or a NaN/Inf cell fails the load with file, line and column unless the {@link CsvOptions} choose
 * {@link BadCellPolicy#DROP_ROW} or {@link BadCellPolicy#IMPUTE_MEAN}, or
 * {@link BadCellPolicy#KEEP_NON_FINITE} to load NaN/Inf cells as they are (to inspect bad data). A
 * UTF-8 byte-order mark is dropped. The dataset's {@link Dataset#provenance()} names this file and
 * the line of each row.
 *
 * <p>Class names of a label column are numbered by a {@link ClassVocabulary}: a training file
 * derives it in sorted order (as scikit-learn's LabelEncoder) and must hold at least two classes;
 * test and new files are read with the training one, {@code CsvOptions.label(..).classes(train.classes())}.
 *
 * @throws CsvFormatException (a checked {@link IOException}) for any bad cell, row, column or class,
 *     with the message {@code file:line:column: column 'name': what is wrong}
 * @throws IOException when the file cannot be read
 */
public final class Csv {
    private Csv() {
    }

    /** Reads {@code file} (UTF-8). */
    public static Dataset read(Path file, CsvOptions options) throws IOException {
        requireNotDirectory(file);
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r, file.getFileName().toString(), options);
        } catch (CharacterCodingException e) {
            throw notUtf8(file);
        }
    }

    /** Reads from {@code in}; {@code source} names it in error messages. */
    public static Dataset read(Reader in, String source, CsvOptions options) throws IOException {
        if (options == null) throw new IllegalArgumentException("Csv.read: options are null");
        try (CsvRecords t = CsvRecords.open(in, source, options.delimiter)) {
            return build(t, options);
        }
    }

    /**
     * Reads the features of new, unlabelled data for prediction from {@code file} (UTF-8, comma
     * separated): an n x {@code featureNames.size()} matrix whose columns are in the order of
     * {@code featureNames} (pass the training set's {@link Dataset#featureNames()}), wherever they are
     * in the file. Other columns (an id, even the label) are ignored. Every cell must be a finite
     * number: no row is dropped or imputed, so row {@code i} of the result is the i-th data row of
     * the file.
     *
     * @throws CsvFormatException naming the missing feature columns and the header, or a bad cell
     * @throws IllegalArgumentException for no or repeated feature names
     */
    public static Tensor readFeatures(Path file, List<String> featureNames) throws IOException {
        requireNotDirectory(file);
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return readFeatures(r, file.getFileName().toString(), featureNames);
        } catch (CharacterCodingException e) {
            throw notUtf8(file);
        }
    }

    /** As {@link #readFeatures(Path, List)} from a reader; {@code source} names it in error messages. */
    public static Tensor readFeatures(Reader in, String source, List<String> featureNames) throws IOException {
        if (featureNames == null || featureNames.isEmpty()) throw new IllegalArgumentException("Csv.readFeatures: no feature names");
        if (new HashSet<>(featureNames).size() != featureNames.size()) {
            throw new IllegalArgumentException("Csv.readFeatures: feature names repeat: " + featureNames);
        }
        try (CsvRecords t = CsvRecords.open(in, source, ',')) {
            int d = featureNames.size();
            int[] cols = new int[d];
            List<String> missing = new ArrayList<>();
            for (int j = 0; j < d; j++) {
                cols[j] = t.column(featureNames.get(j));
                if (cols[j] < 0) missing.add(featureNames.get(j));
            }
            if (!missing.isEmpty()) {
                throw new CsvFormatException(source, 1, 0, "no feature column(s) " + missing + " of the expected "
                        + featureNames + "; the header has " + t.describeHeader());
            }
            Doubles x = new Doubles(d);
            while (t.next()) {
                for (int c : cols) {
                    String raw = t.cell(c);
                    double v = Cells.finiteOrNaN(raw);
                    if (v != v) throw t.cellError(c, Cells.problem(Cells.classify(raw), raw) + " (every feature of data to predict must be a finite number)");
                    x.add(v);
                }
            }
            int n = x.size() / d;
            if (n == 0) throw new CsvFormatException(source, 1, 0, "no data rows");
            return Tensor.of(n, d, x.toArray());
        }
    }

    private static Dataset build(CsvRecords t, CsvOptions o) throws IOException {
        List<String> header = t.header();
        boolean[] taken = new boolean[header.size()];
        int labelCol = -1;
        if (o.label != null) taken[labelCol = require(t, o.label, "label")] = true;
        int[] targetCols = new int[o.targets.size()];
        for (int j = 0; j < targetCols.length; j++) taken[targetCols[j] = require(t, o.targets.get(j), "target")] = true;
        for (String name : o.ignored) taken[require(t, name, "ignored")] = true;
        int d = 0;
        int[] numeric = new int[header.size() + targetCols.length];
        for (int c = 0; c < header.size(); c++) if (!taken[c]) numeric[d++] = c;
        if (d == 0) throw new CsvFormatException(t.source, 1, 0, "no feature columns are left");
        int k = labelCol >= 0 ? 1 : targetCols.length;
        System.arraycopy(targetCols, 0, numeric, d, targetCols.length);
        numeric = Arrays.copyOf(numeric, d + targetCols.length);

        Labels labels = labelCol < 0 ? null : new Labels(t, labelCol, o.label, o.classes);
        Doubles x = new Doubles(d), y = new Doubles(k);
        double[] row = new double[numeric.length];
        double[] sums = new double[numeric.length];
        int[] goods = new int[numeric.length];
        int[] lines = new int[64];
        boolean anyRow = false;
        while (t.next()) {
            anyRow = true;
            boolean drop = false;
            for (int j = 0; j < numeric.length; j++) {
                String raw = t.cell(numeric[j]);
                double v = Cells.finiteOrNaN(raw);
                if (v != v) {
                    Cells.Kind kind = Cells.classify(raw);
                    if (o.policy == BadCellPolicy.FAIL) throw t.cellError(numeric[j], Cells.problem(kind, raw), failHint(kind));
                    if (o.policy == BadCellPolicy.DROP_ROW) drop = true;
                    if (o.policy == BadCellPolicy.KEEP_NON_FINITE) {
                        if (kind != Cells.Kind.NON_FINITE) {
                            throw t.cellError(numeric[j], Cells.problem(kind, raw), "{BadCellPolicy.KEEP_NON_FINITE} keeps only"
                                    + " NaN/Inf cells; fix the file, or load with {BadCellPolicy.DROP_ROW} or {BadCellPolicy.IMPUTE_MEAN}");
                        }
                        v = Cells.nonFiniteValue(raw);
                    }
                }
                row[j] = v;
            }
            if (labels != null && Cells.classify(t.cell(labelCol)) == Cells.Kind.MISSING) {
                if (o.policy != BadCellPolicy.DROP_ROW) {
                    // a class cannot be imputed or kept as NaN: only dropping the row handles it
                    throw t.cellError(labelCol, "missing label", o.policy == BadCellPolicy.FAIL
                            ? "fix the file, or load with {BadCellPolicy.DROP_ROW}; a missing class cannot be imputed"
                            : "{BadCellPolicy." + o.policy + "} cannot invent a class; use {BadCellPolicy.DROP_ROW}");
                }
                drop = true;
            }
            if (drop) continue;
            int kept = x.size() / d;
            if (kept == lines.length) lines = Arrays.copyOf(lines, kept * 2);
            lines[kept] = t.line();
            for (int j = 0; j < numeric.length; j++) {
                if (row[j] == row[j]) {
                    sums[j] += row[j];
                    goods[j]++;
                }
            }
            x.add(row, 0, d);
            if (labels != null) y.add(labels.read());
            else y.add(row, d, k);
        }
        int n = x.size() / d;
        if (n == 0) throw new CsvFormatException(t.source, 1, 0, "no data rows" + (anyRow ? " are left after dropping bad ones" : ""));
        double[] xs = x.toArray(), ys = y.toArray();
        for (int j = 0; o.policy == BadCellPolicy.IMPUTE_MEAN && j < numeric.length; j++) {
            if (goods[j] == 0) {
                throw new CsvFormatException(t.source, 1, numeric[j] + 1, "column '" + header.get(numeric[j]) + "': no numeric cell to take a mean of");
            }
            // IMPUTE_MEAN stored each bad cell as NaN: give it the column mean
            double mean = sums[j] / goods[j];
            double[] a = j < d ? xs : ys;
            int width = j < d ? d : k, at = j < d ? j : j - d;
            if (goods[j] < n) for (int i = 0; i < n; i++) if (a[i * width + at] != a[i * width + at]) a[i * width + at] = mean;
        }
        List<String> featureNames = new ArrayList<>(d);
        for (int j = 0; j < d; j++) featureNames.add(header.get(numeric[j]));
        Tensor features = Tensor.of(n, d, xs);
        Provenance rows = Provenance.ofFile(t.source, Arrays.copyOf(lines, n), featureNames);
        if (labels == null) return new Dataset(features, Tensor.of(n, k, ys), featureNames, List.of()).withProvenance(rows);
        ClassVocabulary classes = labels.finish(ys);
        return new Dataset(features, Tensor.of(n, 1, ys), featureNames, classes).withProvenance(rows).withLabelColumn(o.label);
    }

    private static String failHint(Cells.Kind kind) {
        return "fix the file, or load with {BadCellPolicy.DROP_ROW} or {BadCellPolicy.IMPUTE_MEAN}"
                + (kind == Cells.Kind.NON_FINITE ? ", or {BadCellPolicy.KEEP_NON_FINITE} to inspect such cells" : "");
    }

    private static int require(CsvRecords t, String name, String role) throws CsvFormatException {
        int c = t.column(name);
        if (c < 0) throw new CsvFormatException(t.source, 1, 0, "no " + role + " column '" + name + "'; the header has " + t.describeHeader());
        return c;
    }

    /**
     * Numbers the label cells: by the given vocabulary (an unknown class fails at its cell), or, to
     * derive one, provisionally in order of first appearance and renumbered in sorted order at the end.
     */
    private static final class Labels {
        private final CsvRecords t;
        private final int column;
        private final String name;
        private final ClassVocabulary given;
        private final Map<String, Integer> seen = new HashMap<>();
        private final List<String> seenNames = new ArrayList<>();

        Labels(CsvRecords t, int column, String name, ClassVocabulary given) {
            this.t = t;
            this.column = column;
            this.name = name;
            this.given = given;
        }

        /** The (provisional, when deriving) number of the current record's class. */
        double read() throws CsvFormatException {
            String cls = t.cell(column).trim();
            if (given != null) {
                int i = given.find(cls);
                if (i < 0) {
                    throw t.cellError(column, "unknown class '" + cls + "'; the given vocabulary has " + given.names()
                            + " (read test and new data with the training set's classes)");
                }
                return i;
            }
            Integer i = seen.get(cls);
            if (i == null) {
                i = seenNames.size();
                seen.put(cls, i);
                seenNames.add(cls);
            }
            return i;
        }

        /** The vocabulary, after renumbering {@code y} from provisional to final numbers if it was derived. */
        ClassVocabulary finish(double[] y) throws CsvFormatException {
            if (given != null) return given;
            if (seenNames.size() < 2) {
                throw new CsvFormatException(t.source, 1, column + 1, "column '" + name + "' holds a single class '"
                        + seenNames.get(0) + "': a class vocabulary cannot be derived from it. A classifier needs "
                        + "at least two classes", "to read test or new data, give the training classes: "
                        + "{CsvOptions.label(\"" + name + "\").classes(train.classes())}");
            }
            ClassVocabulary v = ClassVocabulary.sorted(seenNames);
            int[] renumber = new int[seenNames.size()];
            for (int p = 0; p < renumber.length; p++) renumber[p] = v.find(seenNames.get(p));
            for (int i = 0; i < y.length; i++) y[i] = renumber[(int) y[i]];
            return v;
        }
    }

    /** A growing array of doubles, so rows stream in without boxing. */
    private static final class Doubles {
        private double[] a;
        private int size;

        Doubles(int rowWidth) {
            a = new double[Math.max(64, rowWidth)];
        }

        void add(double v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[size++] = v;
        }

        void add(double[] src, int from, int count) {
            if (size + count > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, size + count));
            System.arraycopy(src, from, a, size, count);
            size += count;
        }

        int size() {
            return size;
        }

        double[] toArray() {
            return size == a.length ? a : Arrays.copyOf(a, size);
        }
    }

    /**
     * Names the line and column of the first byte of {@code file} that is not UTF-8, decoding it again in
     * fixed-size chunks so that a large file costs no more memory than the first read did.
     */
    private static CsvFormatException notUtf8(Path file) throws IOException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        CharBuffer out = CharBuffer.allocate(1 << 16);
        int line = 1, column = 1;
        try (InputStream s = Files.newInputStream(file)) {
            while (true) {
                int n = s.read(in.array(), in.position(), in.remaining());
                if (n > 0) in.position(in.position() + n);
                in.flip();
                CoderResult r = d.decode(in, out, n < 0);
                out.flip();
                while (out.hasRemaining()) {
                    char c = out.get();
                    if (c == '\n') { line++; column = 1; } else if (c != '\r' && c != '\uFEFF') column++;
                }
                out.clear();
                if (r.isError() || (n < 0 && in.hasRemaining())) break;
                if (n < 0) break;
                in.compact();
            }
        }
        return new CsvFormatException(file.getFileName().toString(), line, column,
                "the file is not UTF-8 text (a byte at this position is not valid UTF-8, e.g. Latin-1); save it as UTF-8, with or without BOM");
    }

    /** Reading a directory fails with a bare "Is a directory"; this names the path. */
    private static void requireNotDirectory(Path file) throws FileSystemException {
        if (Files.isDirectory(file)) throw new FileSystemException(file.toString(), null, "is a directory, expected a CSV file");
    }
}
