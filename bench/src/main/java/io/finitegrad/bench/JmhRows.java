package io.finitegrad.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of JMH's {@code -rf json} files, reduced to what {@link Results} reports: the benchmark
 * ({@code Class.method}), its parameters, the median of the measured iterations and JMH's error
 * (the 99.9% confidence half-width), both in microseconds per operation, and the allocation per
 * operation when the run had {@code -prof gc}. An immutable snapshot.
 */
final class JmhRows {
    /** One benchmark with one parameter combination. */
    record Row(String benchmark, Map<String, String> params, double medianMicros, double errorMicros,
               int iterations, double allocBytes) {
        /** True if this is {@code benchmark} and every given key=value pair matches. */
        boolean matches(String bench, String... keyValues) {
            if (!benchmark.equals(bench)) return false;
            for (int i = 0; i + 1 < keyValues.length; i += 2) {
                if (!keyValues[i + 1].equals(params.get(keyValues[i]))) return false;
            }
            return true;
        }
    }

    private final List<Row> rows;

    private JmhRows(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    /**
     * Every row of the {@code *.json} files in {@code dir} (none if there are none).
     *
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException naming the file if it is not JMH's JSON or has a unit not of time
     */
    static JmhRows read(Path dir) throws IOException {
        List<Row> rows = new ArrayList<>();
        if (!Files.isDirectory(dir)) return new JmhRows(rows);
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
        }
        ObjectMapper json = new ObjectMapper();
        for (Path f : files) {
            String text = Files.readString(f).strip();
            if (text.isEmpty()) continue; // a run that failed before writing
            JsonNode root = json.readTree(text);
            if (!root.isArray()) throw new IllegalArgumentException(f + ": not JMH's JSON (an array of runs)");
            for (JsonNode run : root) rows.add(row(f, run));
        }
        return new JmhRows(rows);
    }

    /** The rows, in file order. */
    List<Row> rows() {
        return rows;
    }

    /** The first row of {@code bench} matching the key=value pairs, or null. */
    Row find(String bench, String... keyValues) {
        for (Row r : rows) if (r.matches(bench, keyValues)) return r;
        return null;
    }

    private static Row row(Path f, JsonNode run) {
        String full = run.path("benchmark").asText();
        String[] parts = full.split("\\.");
        if (parts.length < 2) throw new IllegalArgumentException(f + ": benchmark name '" + full + "' is not Class.method");
        String bench = parts[parts.length - 2] + "." + parts[parts.length - 1];
        Map<String, String> params = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : run.path("params").properties()) params.put(e.getKey(), e.getValue().asText());
        JsonNode primary = run.path("primaryMetric");
        String unit = primary.path("scoreUnit").asText();
        double[] raw = flatten(primary.path("rawData"));
        double median = raw.length == 0 ? primary.path("score").asDouble(Double.NaN) : median(raw);
        double error = primary.path("scoreError").asDouble(Double.NaN);
        double toMicros = microsPerOp(f, full, unit, median);
        double errorMicros = unit.startsWith("ops/") ? Double.NaN : error * toMicros;
        double medianMicros = unit.startsWith("ops/") ? toMicros : median * toMicros;
        double alloc = run.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
        return new Row(bench, Map.copyOf(params), medianMicros, errorMicros, raw.length, alloc);
    }

    /** The factor from {@code unit} to µs/op, or for a throughput unit the value in µs/op itself. */
    private static double microsPerOp(Path f, String bench, String unit, double value) {
        switch (unit) {
            case "ns/op": return 1e-3;
            case "us/op": return 1;
            case "ms/op": return 1e3;
            case "s/op": return 1e6;
            case "ops/ns": return 1e-3 / value;
            case "ops/us": return 1 / value;
            case "ops/ms": return 1e3 / value;
            case "ops/s": return 1e6 / value;
            default: throw new IllegalArgumentException(f + ": " + bench + " has unit '" + unit + "', not a time");
        }
    }

    private static double[] flatten(JsonNode raw) {
        List<Double> all = new ArrayList<>();
        for (JsonNode fork : raw) for (JsonNode v : fork) all.add(v.asDouble());
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The middle value (the mean of the two middle ones for an even count). */
    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
