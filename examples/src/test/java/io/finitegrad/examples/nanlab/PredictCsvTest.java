package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nanlab predict} writes real CSV: a class name holding a comma or a quote is quoted, and reads back whole. */
class PredictCsvTest {
    @TempDir
    Path dir;

    @Test
    void classNamesWithCommasAndQuotesAreQuoted() throws Exception {
        // Iris with its classes renamed to names a naive "row,name" line would split or break
        List<String> names = List.of("setosa, wild", "versicolor \"blue\"", "virginica");
        StringBuilder csv = new StringBuilder();
        List<String> rows = Files.readAllLines(Cli.iris(dir));
        csv.append(rows.get(0)).append('\n');
        for (String row : rows.subList(1, rows.size())) {
            int cut = row.lastIndexOf(',');
            String species = row.substring(cut + 1);
            String renamed = species.equals("setosa") ? names.get(0) : species.equals("versicolor") ? names.get(1) : names.get(2);
            csv.append(row, 0, cut + 1).append('"').append(renamed.replace("\"", "\"\"")).append('"').append('\n');
        }
        Path data = Files.writeString(dir.resolve("renamed.csv"), csv, StandardCharsets.UTF_8);
        Path model = dir.resolve("m.safetensors");
        Cli t = Cli.run("train", "--data", data.toString(), "--label", "species", "--epochs", "30", "--seed", "3", "--quiet",
                "--save", model.toString());
        assertEquals(NanLab.OK, t.code(), t.out() + t.err());

        Cli r = Cli.run("predict", "--model", model.toString(), "--data", data.toString());
        assertEquals(NanLab.OK, r.code(), r.err());
        List<CsvRecord> out;
        try (CsvReader<CsvRecord> reader = CsvReader.builder().ofCsvRecord(r.out())) {
            out = reader.stream().toList();
        }
        assertEquals(List.of("row", "predicted"), out.get(0).getFields());
        assertEquals(151, out.size());
        Set<String> predicted = new TreeSet<>();
        for (int i = 1; i < out.size(); i++) {
            assertEquals(2, out.get(i).getFieldCount(), "line " + (i + 1) + ": " + out.get(i));
            assertEquals(String.valueOf(i), out.get(i).getField(0));
            predicted.add(out.get(i).getField(1));
        }
        assertEquals(new TreeSet<>(names), predicted, "every predicted name is one of the classes, whole");
    }
}
