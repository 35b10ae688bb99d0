package io.finitegrad.optim.data;

import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Loads a CSV file with a header into a {@link Dataset}. Every feature and target cell must be a
 * finite number written in plain decimal or scientific notation; a missing cell (empty, NA, N/A,
 * ?, null), a non-numeric cell or a NaN/Inf cell fails the load with file, line and column unless
 * the {@link CsvOptions} choose {@link BadCellPolicy#DROP_ROW} or {@link BadCellPolicy#IMPUTE_MEAN}.
 * Class names of the label column are mapped to indices in sorted order (as scikit-learn's
 * LabelEncoder) and kept in {@link Dataset#classNames()}.
 *
 * @throws CsvFormatException (a checked {@link IOException}) for any bad cell, row or column, with
 *     the message {@code file:line:column: column 'name': what is wrong}
 * @throws IOException when the file cannot be read
 */
public final class Csv {
    private Csv() {
    }

    /** Reads {@code file} (UTF-8). */
    public static Dataset read(Path file, CsvOptions options) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r, file.getFileName().toString(), options);
        }
    }

    /** Reads from {@code in}; {@code source} names it in error messages. */
    public static Dataset read(Reader in, String source, CsvOptions options) throws IOException {
        if (options == null) throw new IllegalArgumentException("Csv.read: options are null");
        return build(CsvTable.parse(in, source, options.delimiter), options);
    }

    /** What a cell holds; {@link #number} is valid only for {@link #OK}. */
    enum CellKind { OK, MISSING, NOT_A_NUMBER, NON_FINITE }

    static CellKind classify(String raw) {
        String s = raw.trim();
        if (s.isEmpty()) return CellKind.MISSING;
        String l = s.toLowerCase(Locale.ROOT);
        if (l.equals("na") || l.equals("n/a") || l.equals("?") || l.equals("null")) return CellKind.MISSING;
        String u = l.startsWith("+") || l.startsWith("-") ? l.substring(1) : l;
        if (u.equals("nan") || u.equals("inf") || u.equals("infinity")) return CellKind.NON_FINITE;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
                return CellKind.NOT_A_NUMBER;
            }
        }
        try {
            return Double.isFinite(Double.parseDouble(s)) ? CellKind.OK : CellKind.NON_FINITE;
        } catch (NumberFormatException e) {
            return CellKind.NOT_A_NUMBER;
        }
    }

    /** The value of a {@link CellKind#NON_FINITE} cell: NaN, +Inf or -Inf. */
    static double nonFiniteValue(String raw) {
        String l = raw.trim().toLowerCase(Locale.ROOT);
        if (l.contains("nan")) return Double.NaN;
        try {
            return Double.parseDouble(l); // finite overflow such as 1e999 parses to +/-Infinity
        } catch (NumberFormatException e) {
            return l.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
    }

    static double number(String raw) {
        return Double.parseDouble(raw.trim());
    }

    static String problem(CellKind k, String raw) {
        switch (k) {
            case MISSING: return "missing value" + (raw.isBlank() ? "" : " '" + raw.trim() + "'");
            case NON_FINITE: return "'" + raw.trim() + "' is not a finite number";
            default: return "'" + raw.trim() + "' is not a number";
        }
    }

    private static Dataset build(CsvTable t, CsvOptions o) throws CsvFormatException {
        List<Integer> featureCols = new ArrayList<>();
        List<Integer> targetCols = new ArrayList<>();
        int labelCol = -1;
        if (o.label != null) labelCol = require(t, o.label, "label");
        for (String name : o.targets) targetCols.add(require(t, name, "target"));
        for (String name : o.ignored) require(t, name, "ignored");
        for (int c = 0; c < t.header.size(); c++) {
            String h = t.header.get(c);
            if (c != labelCol && !targetCols.contains(c) && !o.ignored.contains(h)) featureCols.add(c);
        }
        if (featureCols.isEmpty()) throw new CsvFormatException(t.source, 1, 0, "no feature columns are left");

        List<Integer> numericCols = new ArrayList<>(featureCols);
        numericCols.addAll(targetCols);
        List<Integer> keep = new ArrayList<>();
        double[] sums = new double[t.header.size()];
        int[] goods = new int[t.header.size()];
        for (int r = 0; r < t.rows.size(); r++) {
            String[] row = t.rows.get(r);
            boolean drop = false;
            for (int c : numericCols) {
                CellKind k = classify(row[c]);
                if (k == CellKind.OK) continue;
                if (o.policy == BadCellPolicy.FAIL) throw cellError(t, r, c, problem(k, row[c]) + failHint());
                if (o.policy == BadCellPolicy.DROP_ROW) drop = true;
            }
            if (labelCol >= 0 && classify(row[labelCol]) == CellKind.MISSING) {
                if (o.policy != BadCellPolicy.DROP_ROW) {
                    throw cellError(t, r, labelCol, "missing label" + (o.policy == BadCellPolicy.FAIL ? failHint()
                            : " (IMPUTE_MEAN cannot invent a class; use DROP_ROW)"));
                }
                drop = true;
            }
            if (drop) continue;
            keep.add(r);
            for (int c : numericCols) {
                if (classify(row[c]) == CellKind.OK) {
                    sums[c] += number(row[c]);
                    goods[c]++;
                }
            }
        }
        if (keep.isEmpty()) throw new CsvFormatException(t.source, 1, 0, "no data rows" + (t.rows.isEmpty() ? "" : " are left after dropping bad ones"));
        for (int c : numericCols) {
            if (goods[c] == 0) {
                throw new CsvFormatException(t.source, 1, c + 1, "column '" + t.header.get(c) + "': no numeric cell to take a mean of");
            }
        }

        int n = keep.size();
        double[] x = new double[n * featureCols.size()];
        double[] y;
        List<String> classNames = List.of();
        int targetWidth;
        if (labelCol >= 0) {
            TreeSet<String> names = new TreeSet<>();
            for (int r : keep) names.add(t.rows.get(r)[labelCol].trim());
            classNames = List.copyOf(names);
            targetWidth = 1;
        } else {
            targetWidth = targetCols.size();
        }
        y = new double[n * targetWidth];
        for (int i = 0; i < n; i++) {
            String[] row = t.rows.get(keep.get(i));
            for (int j = 0; j < featureCols.size(); j++) x[i * featureCols.size() + j] = cell(row, featureCols.get(j), sums, goods);
            if (labelCol >= 0) y[i] = classNames.indexOf(row[labelCol].trim());
            else for (int j = 0; j < targetWidth; j++) y[i * targetWidth + j] = cell(row, targetCols.get(j), sums, goods);
        }
        List<String> featureNames = new ArrayList<>();
        for (int c : featureCols) featureNames.add(t.header.get(c));
        return new Dataset(Tensor.of(n, featureCols.size(), x), Tensor.of(n, targetWidth, y), featureNames, classNames);
    }

    private static double cell(String[] row, int c, double[] sums, int[] goods) {
        return classify(row[c]) == CellKind.OK ? number(row[c]) : sums[c] / goods[c];
    }

    private static String failHint() {
        return " (fix the file, or load with BadCellPolicy.DROP_ROW or IMPUTE_MEAN)";
    }

    private static int require(CsvTable t, String name, String role) throws CsvFormatException {
        int c = t.column(name);
        if (c < 0) {
            throw new CsvFormatException(t.source, 1, 0, "no " + role + " column '" + name + "'; the header has " + t.header);
        }
        return c;
    }

    private static CsvFormatException cellError(CsvTable t, int r, int c, String what) {
        return new CsvFormatException(t.source, t.lines.get(r), c + 1, "column '" + t.header.get(c) + "': " + what);
    }
}
