package io.finitegrad.optim.data;

import io.finitegrad.autodiff.Provenance;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A check of the data before training: per feature column min, max, mean, standard deviation,
 * non-finite (NaN/Inf) and missing/non-numeric cells, and outliers; the class counts of the label;
 * and {@link Finding}s, each with its remedy, for what would hurt training: non-finite or missing
 * cells, constant columns (zero standard deviation), columns whose scale (standard deviation)
 * differs from another's by more than {@value #SCALE_RATIO}x, columns far from unit scale (standard
 * deviation or largest magnitude above {@value #UNIT_SCALE_MAX}, or standard deviation below
 * {@value #UNIT_SCALE_MIN}), values beyond {@value #OUTLIER_SIGMAS}
 * standard deviations from the mean, and a class with under half the rows of the largest.
 * Statistics use the finite cells only. {@link #toString()} is a readable table.
 *
 * @throws CsvFormatException from {@link #of(Path, CsvOptions)} for a malformed file (bad quoting,
 *     ragged rows, unknown columns) — bad cells are counted, not thrown
 */
public final class DataReport {
    /** Scale ratio between two columns above which they are flagged. */
    public static final double SCALE_RATIO = 1000;
    /** Standard deviation or largest |value| above which a column is far from unit scale. */
    public static final double UNIT_SCALE_MAX = 1e3;
    /** Standard deviation below which a (non-constant) column is far from unit scale. */
    public static final double UNIT_SCALE_MIN = 1e-3;
    /** Distance from the mean, in standard deviations, beyond which a value is an outlier. */
    public static final double OUTLIER_SIGMAS = 6;

    /** What a finding is about. */
    public enum Kind {
        NON_FINITE, MISSING, CONSTANT,
        /** A column's scale differs from another column's by more than {@link #SCALE_RATIO}x. */
        SCALE,
        /** A column's scale is far from 1 on its own, even if every column agrees (data in the wrong units). */
        UNIT_SCALE,
        OUTLIERS, CLASS_IMBALANCE
    }

    /** One problem: its kind, the column (or label) it concerns, what was seen, and what to do. */
    public record Finding(Kind kind, String column, String message, String remedy) {
        @Override
        public String toString() {
            return "[" + kind + "] " + message + "\n      remedy: " + remedy;
        }
    }

    /** Statistics of one feature column (over its finite cells; NaN if it has none). */
    public record ColumnStats(String name, double min, double max, double mean, double std, int nonFinite,
                              int missing, int outliers) {
    }

    private final String source;
    private final int rows;
    private final List<ColumnStats> columns;
    private final String labelName;
    private final Map<String, Integer> classCounts;
    private final List<Finding> findings = new ArrayList<>();
    /** Each finding's remedy as a {@link Hints} template, so a front end can name the calls its own way. */
    private final List<String> remedies = new ArrayList<>();
    /** Where the rows came from, to name the first NaN/Inf cell of a column. */
    private final Provenance provenance;
    /** Per column, the row of its first NaN/Inf cell (not a missing one), or -1. */
    private final int[] firstNonFinite;

    private DataReport(String source, int rows, List<String> names, double[][] cols, int[] missing, int[] firstNonFinite,
                       Provenance provenance, String labelName, Map<String, Integer> classCounts) {
        this.source = source;
        this.provenance = provenance;
        this.firstNonFinite = firstNonFinite;
        this.rows = rows;
        this.labelName = labelName;
        this.classCounts = classCounts;
        List<ColumnStats> stats = new ArrayList<>();
        for (int j = 0; j < names.size(); j++) stats.add(stats(names.get(j), cols[j], missing[j]));
        this.columns = List.copyOf(stats);
        findProblems();
    }

    /**
     * Checks a dataset's features and classes, named by its source (the file it was read from) and
     * by its label column ({@link Dataset#labelColumn()}: the header name when {@link Csv} read it,
     * {@code classes of 'species'}); see {@link #of(Dataset, String)} to call the column otherwise.
     *
     * @throws IllegalArgumentException if {@code d} is null
     */
    public static DataReport of(Dataset d) {
        if (d == null) throw new IllegalArgumentException("DataReport.of: the dataset is null");
        return of(d, d.isClassification() ? d.labelColumn() : "label");
    }

    /**
     * Checks a dataset's features and classes, named by its source and with the label column
     * called {@code labelColumn} (as in the file: {@code classes of 'species'}).
     *
     * @throws IllegalArgumentException if {@code labelColumn} is null
     */
    public static DataReport of(Dataset d, String labelColumn) {
        if (d == null) throw new IllegalArgumentException("DataReport.of: the dataset is null");
        if (labelColumn == null) throw new IllegalArgumentException("DataReport.of: labelColumn is null");
        int n = d.size(), c = d.features().cols();
        double[] x = d.features().toFlatArray();
        double[][] cols = new double[c][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) cols[j][i] = x[i * c + j];
        Map<String, Integer> counts = new LinkedHashMap<>();
        if (d.isClassification()) {
            for (String k : d.classNames()) counts.put(k, 0);
            for (int k : d.classIndices()) counts.merge(d.classNames().get(k), 1, Integer::sum);
        }
        int[] first = new int[c];
        for (int j = 0; j < c; j++) {
            first[j] = -1;
            for (int i = 0; i < n && first[j] < 0; i++) if (!Double.isFinite(cols[j][i])) first[j] = i;
        }
        return new DataReport(d.provenance().source(), n, d.featureNames(), cols, new int[c], first, d.provenance(),
                d.isClassification() ? labelColumn : null, counts);
    }

    /** Checks a CSV file as it is, before loading: bad cells are counted here instead of failing. */
    public static DataReport of(Path file, CsvOptions options) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return of(r, file.getFileName().toString(), options);
        }
    }

    /** As {@link #of(Path, CsvOptions)} from a reader; {@code source} names it. */
    public static DataReport of(Reader in, String source, CsvOptions options) throws IOException {
        try (CsvRecords t = CsvRecords.open(in, source, options.delimiter)) {
            List<String> header = t.header();
            int label = options.label == null ? -1 : t.column(options.label);
            if (options.label != null && label < 0) {
                throw new CsvFormatException(source, 1, 0, "no label column '" + options.label + "'; the header has " + t.describeHeader());
            }
            Set<String> ignored = Set.copyOf(options.ignored);
            int[] featureCols = new int[header.size()];
            int d = 0;
            for (int c = 0; c < header.size(); c++) {
                if (c != label && !ignored.contains(header.get(c))) featureCols[d++] = c;
            }
            List<double[]> rows = new ArrayList<>();
            int[] missing = new int[d];
            int[] first = new int[d];
            Arrays.fill(first, -1);
            int[] lines = new int[64];
            Map<String, Integer> counts = new TreeMap<>();
            while (t.next()) {
                if (rows.size() == lines.length) lines = Arrays.copyOf(lines, lines.length * 2);
                lines[rows.size()] = t.line();
                double[] row = new double[d];
                for (int j = 0; j < d; j++) {
                    String cell = t.cell(featureCols[j]);
                    double v = Cells.finiteOrNaN(cell);
                    if (v != v) {
                        Cells.Kind k = Cells.classify(cell);
                        if (k == Cells.Kind.NON_FINITE) {
                            v = Cells.nonFiniteValue(cell);
                            if (first[j] < 0) first[j] = rows.size();
                        } else {
                            missing[j]++; // stays NaN; stats() tells it from a NaN cell by this count
                        }
                    }
                    row[j] = v;
                }
                rows.add(row);
                if (label >= 0) {
                    String cls = t.cell(label).trim();
                    counts.merge(cls.isEmpty() ? "(missing)" : cls, 1, Integer::sum);
                }
            }
            int n = rows.size();
            double[][] cols = new double[d][n];
            for (int i = 0; i < n; i++) {
                double[] row = rows.get(i);
                for (int j = 0; j < d; j++) cols[j][i] = row[j];
            }
            List<String> names = new ArrayList<>(d);
            for (int j = 0; j < d; j++) names.add(header.get(featureCols[j]));
            Provenance p = Provenance.ofFile(source, Arrays.copyOf(lines, n), names);
            return new DataReport(source, n, names, cols, missing, first, p, options.label, new LinkedHashMap<>(counts));
        }
    }

    private static ColumnStats stats(String name, double[] v, int missing) {
        int n = 0, nonFinite = 0;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double x : v) {
            if (!Double.isFinite(x)) {
                nonFinite++;
                continue;
            }
            n++;
            sum += x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        nonFinite -= missing; // missing cells were stored as NaN
        if (n == 0) return new ColumnStats(name, Double.NaN, Double.NaN, Double.NaN, Double.NaN, nonFinite, missing, 0);
        double mean = sum / n, ss = 0;
        for (double x : v) if (Double.isFinite(x)) ss += (x - mean) * (x - mean);
        // a constant column must read as exactly 0, not as the rounding left in ss
        double std = min == max ? 0 : Math.sqrt(ss / n);
        int outliers = 0;
        if (std > 0) for (double x : v) if (Double.isFinite(x) && Math.abs(x - mean) > OUTLIER_SIGMAS * std) outliers++;
        return new ColumnStats(name, min, max, mean, std, nonFinite, missing, outliers);
    }

    private void findProblems() {
        double smallest = Double.POSITIVE_INFINITY;
        String smallestName = null;
        for (ColumnStats c : columns) {
            if (c.std() > 0 && c.std() < smallest) {
                smallest = c.std();
                smallestName = c.name();
            }
        }
        for (int j = 0; j < columns.size(); j++) {
            ColumnStats c = columns.get(j);
            String col = "column '" + c.name() + "'";
            if (c.nonFinite() > 0) {
                add(Kind.NON_FINITE, c.name(), col + " has " + c.nonFinite() + " NaN/Inf cell(s), the first in "
                                + provenance.describe(firstNonFinite[j], -1),
                        "fix the source, or load with {BadCellPolicy.DROP_ROW} or {BadCellPolicy.IMPUTE_MEAN}; a NaN input makes every loss NaN");
            }
            if (c.missing() > 0) {
                add(Kind.MISSING, c.name(), col + " has " + c.missing() + " missing or non-numeric cell(s)",
                        "fix the source, or load with {BadCellPolicy.DROP_ROW} or {BadCellPolicy.IMPUTE_MEAN}");
            }
            if (c.std() == 0) {
                add(Kind.CONSTANT, c.name(), col + " is constant (" + fmt(c.min()) + "): standard deviation 0",
                        "drop it: it carries no information, and standardising it divides by zero ({StandardScaler} maps it to 0)");
            }
            if (c.std() > 0 && c.std() / smallest > SCALE_RATIO) {
                add(Kind.SCALE, c.name(), col + " has standard deviation " + fmt(c.std()) + ", "
                                + String.format(Locale.ROOT, "%.0f", c.std() / smallest) + "x that of column '" + smallestName + "' (" + fmt(smallest) + ")",
                        "standardise the features ({StandardScaler fit on the training set}): otherwise one learning rate "
                                + "cannot suit all weights and the large column can make training diverge");
            }
            double maxAbs = Math.max(Math.abs(c.min()), Math.abs(c.max()));
            if (c.std() > UNIT_SCALE_MAX || maxAbs > UNIT_SCALE_MAX || c.std() > 0 && c.std() < UNIT_SCALE_MIN) {
                add(Kind.UNIT_SCALE, c.name(), col + " has standard deviation " + fmt(c.std()) + " and max |x| " + fmt(maxAbs)
                                + String.format(Locale.ROOT, ": far from unit scale (%.0e .. %.0e)", UNIT_SCALE_MIN, UNIT_SCALE_MAX),
                        "standardise the features ({StandardScaler fit on the training set}, to mean 0 and standard deviation 1):"
                                + " inputs far from unit scale saturate tanh and sigmoid units and make the first layer's"
                                + " gradients huge or tiny, so a usual learning rate diverges or stalls");
            }
            if (c.outliers() > 0) {
                add(Kind.OUTLIERS, c.name(), col + " has " + c.outliers() + " value(s) more than " + fmt(OUTLIER_SIGMAS)
                                + " standard deviations from its mean " + fmt(c.mean()) + " (range " + fmt(c.min()) + " .. " + fmt(c.max()) + ")",
                        "check those rows for entry or unit errors; drop or clip them, or use a robust scaling");
            }
        }
        if (!classCounts.isEmpty()) {
            int max = classCounts.values().stream().max(Integer::compare).orElse(0);
            classCounts.forEach((k, n) -> {
                if (n * 2 < max) {
                    add(Kind.CLASS_IMBALANCE, labelName, "class '" + k + "' has " + n + " row(s), the largest class has " + max,
                            "split with stratification; consider resampling or class weights; judge by per-class accuracy");
                }
            });
        }
    }

    /** Adds a finding whose remedy names library calls in braces (see {@link Hints}). */
    private void add(Kind k, String column, String message, String remedy) {
        findings.add(new Finding(k, column, message, Hints.render(remedy, Hints.JAVA)));
        remedies.add(remedy);
    }

    public int rows() { return rows; }
    public List<ColumnStats> columns() { return columns; }
    /** Rows per class (empty without a label). */
    public Map<String, Integer> classCounts() { return java.util.Collections.unmodifiableMap(classCounts); }
    public List<Finding> findings() { return List.copyOf(findings); }

    /** The findings of one kind. */
    public List<Finding> findings(Kind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }

    /** True if nothing was found. */
    public boolean clean() {
        return findings.isEmpty();
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) return "-";
        double a = Math.abs(v);
        return a != 0 && (a >= 1e5 || a < 1e-3) ? String.format(Locale.ROOT, "%.3e", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    /** The report as printed: the table, the classes and the findings, naming library calls as Java does. */
    @Override
    public String toString() {
        return render(Hints.JAVA);
    }

    /**
     * The report as {@link #toString()} prints it, with the library calls of the remedies
     * ({@code BadCellPolicy.DROP_ROW}) named by {@code spelling}, e.g. as command-line flags; a
     * remedy for which {@code spelling} gives null is left out.
     *
     * @throws IllegalArgumentException if {@code spelling} is null
     */
    public String render(Function<String, String> spelling) {
        if (spelling == null) throw new IllegalArgumentException("DataReport.render: spelling is null");
        int w = "column".length();
        for (ColumnStats c : columns) w = Math.max(w, c.name().length());
        StringBuilder sb = new StringBuilder();
        sb.append("Data check: ").append(source).append(", ").append(rows).append(" rows, ").append(columns.size())
                .append(" feature columns\n");
        String head = String.format(Locale.ROOT, "%-" + w + "s %12s %12s %12s %12s %10s %8s %8s%n",
                "column", "min", "max", "mean", "std", "non-finite", "missing", "outliers");
        sb.append(head).append("-".repeat(head.length() - 1)).append('\n');
        for (ColumnStats c : columns) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s %12s %12s %12s %12s %10d %8d %8d%n", c.name(), fmt(c.min()),
                    fmt(c.max()), fmt(c.mean()), fmt(c.std()), c.nonFinite(), c.missing(), c.outliers()));
        }
        if (!classCounts.isEmpty()) {
            sb.append("classes of '").append(labelName).append("':");
            classCounts.forEach((k, n) -> sb.append(' ').append(k).append(' ').append(n).append(','));
            sb.setLength(sb.length() - 1);
            sb.append('\n');
        }
        if (findings.isEmpty()) sb.append("No problems found.\n");
        else {
            sb.append(findings.size()).append(" finding(s):\n");
            for (int i = 0; i < findings.size(); i++) {
                Finding f = findings.get(i);
                String remedy = Hints.render(remedies.get(i), spelling);
                sb.append("  [").append(f.kind()).append("] ").append(f.message());
                if (remedy != null) sb.append("\n      remedy: ").append(remedy);
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
