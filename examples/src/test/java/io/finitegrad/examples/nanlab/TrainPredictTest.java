package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.finitegrad.optim.io.Safetensors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nanlab train} and {@code predict} on Fisher's Iris data, and the watchdog on unscaled data. */
class TrainPredictTest {
    @TempDir
    Path dir;

    private Cli train(Path data, Path model, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--label", "species",
                "--hidden", "16", "--activation", "tanh", "--init", "xavier", "--epochs", "100", "--batch", "16",
                "--seed", "3", "--save", model.toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(new String[0]));
    }

    @Test
    void trainChecksTheDataLearnsIrisAndSavesABitIdenticalCheckpointWithItsDescription() throws Exception {
        Path iris = Cli.iris(dir);
        Path m1 = dir.resolve("m1.safetensors"), m2 = dir.resolve("m2.safetensors");
        Cli r = train(iris, m1, "--out", dir.resolve("out").toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("sepal_length"), "the data check comes first: " + r.out());
        String precision = "Precision: float32 (emulated, float64 master weights; see --precision)";
        assertTrue(r.out().lines().anyMatch(precision::equals), "float32 by default, like PyTorch: " + r.out());
        assertTrue(precision.length() <= 80, precision);
        java.util.regex.Matcher acc = java.util.regex.Pattern.compile("test accuracy (\\d\\.\\d+)").matcher(r.out());
        assertTrue(acc.find(), r.out());
        assertTrue(Double.parseDouble(acc.group(1)) >= 0.9, r.out());
        assertEquals(101, Files.readAllLines(dir.resolve("out/history.csv")).size());
        assertPng(dir.resolve("out/loss.png"));
        assertPng(dir.resolve("out/gradnorm.png"));

        assertEquals(NanLab.OK, train(iris, m2).code());
        assertArrayEquals(Files.readAllBytes(m1), Files.readAllBytes(m2), "same seed, same file: the same bytes");

        JsonNode meta = JsonMapper.builder().build().readTree(Safetensors.read(m1).metadata().get("nanlab"));
        assertEquals("[4,16,3]", meta.get("sizes").toString());
        assertEquals("[\"TANH\",\"IDENTITY\"]", meta.get("activations").toString());
        assertEquals("XAVIER_UNIFORM", meta.get("init").asText());
        assertEquals("[\"setosa\",\"versicolor\",\"virginica\"]", meta.get("classes").toString());
        assertEquals("[\"sepal_length\",\"sepal_width\",\"petal_length\",\"petal_width\"]", meta.get("features").toString());
        assertEquals("standard", meta.get("scaler").get("kind").asText());
        assertEquals(4, meta.get("scaler").get("shift").size());
    }

    @Test
    void predictRebuildsTheModelAndNamesTheClassesOfNewRowsByFeatureName() throws Exception {
        Path iris = Cli.iris(dir);
        Path model = dir.resolve("iris.safetensors");
        assertEquals(NanLab.OK, train(iris, model).code());
        // columns reordered and the label dropped: features are read by name
        List<String> rows = Files.readAllLines(iris);
        StringBuilder shuffled = new StringBuilder();
        List<String> truth = new java.util.ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String[] c = rows.get(i).split(",");
            shuffled.append(c[3]).append(',').append(c[2]).append(',').append(c[1]).append(',').append(c[0]).append('\n');
            if (i > 0) truth.add(c[4]);
        }
        Path fresh = Files.writeString(dir.resolve("new.csv"), shuffled, StandardCharsets.UTF_8);
        Cli r = Cli.run("predict", "--model", model.toString(), "--data", fresh.toString());
        assertEquals(NanLab.OK, r.code(), r.err());
        assertEquals("nanlab predict: computed in float32 (emulated); --precision fp64|fp32|bf16|fp16", r.err().strip(),
                "standard output stays CSV, the format is named on standard error");
        assertTrue(r.err().strip().length() <= 80, r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("row,predicted", lines.get(0));
        assertEquals(150, lines.size() - 1);
        int right = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] c = lines.get(i).split(",");
            assertEquals(String.valueOf(i), c[0]);
            assertTrue(Set.of("setosa", "versicolor", "virginica").contains(c[1]), lines.get(i));
            if (c[1].equals(truth.get(i - 1))) right++;
        }
        assertTrue(right >= 140, right + " of 150 right");
    }

    @Test
    void theDataCheckNamesTheFileAndTheLabelColumnTheDatasetCarries() throws Exception {
        Path iris = Cli.iris(dir);
        Path renamed = dir.resolve("flowers.csv");
        Files.writeString(renamed, Files.readString(iris, StandardCharsets.UTF_8).replaceFirst("species", "kind"), StandardCharsets.UTF_8);
        for (String[] fileAndLabel : new String[][] {{iris.toString(), "species", "iris.csv"}, {renamed.toString(), "kind", "flowers.csv"}}) {
            Cli r = Cli.run("train", "--data", fileAndLabel[0], "--label", fileAndLabel[1], "--epochs", "1", "--quiet");
            assertEquals(NanLab.OK, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("Data check: " + fileAndLabel[2] + ", 150 rows"), r.out());
            assertTrue(r.out().contains("classes of '" + fileAndLabel[1] + "': setosa 50, versicolor 50, virginica 50"), r.out());
        }
    }

    @Test
    void trainingStoppedByTheWatchdogExits1WithTheGuardsReport() throws Exception {
        Path raw = dir.resolve("raw.csv");
        StringBuilder b = new StringBuilder();
        List<String> rows = Files.readAllLines(Cli.iris(dir));
        b.append(rows.get(0)).append('\n');
        for (String row : rows.subList(1, rows.size())) {
            String[] c = row.split(",");
            for (int j = 0; j < 4; j++) b.append(Double.parseDouble(c[j]) * 1e150).append(',');
            b.append(c[4]).append('\n');
        }
        Files.writeString(raw, b, StandardCharsets.UTF_8);
        Path model = dir.resolve("never.safetensors");
        // float64: in float32 the 1e150 inputs would be Infinity on entry
        Cli r = Cli.run("train", "--data", raw.toString(), "--label", "species", "--scale", "none", "--optimizer", "sgd",
                "--lr", "1", "--clip", "0", "--epochs", "5", "--save", model.toString(), "--precision", "fp64");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("Training diverged at epoch 1, batch 1"), r.out());
        assertEquals(1, r.out().split("NaN/Inf entry point \\(FORWARD\\): matmul 'dense2/matmul'", -1).length - 1, r.out());
        assertTrue(!Files.exists(model), "no checkpoint of a diverged run");
    }

    static void assertPng(Path p) throws Exception {
        byte[] b = Files.readAllBytes(p);
        assertTrue(b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', p + " is not a PNG");
    }

    @Test
    void trainInFloat16NamesTheFormatAndPredictAgreesWithFloat64OnIris() throws Exception {
        Path iris = Cli.iris(dir);
        Path model = dir.resolve("half.safetensors");
        Cli r = train(iris, model, "--precision", "fp16", "--quiet");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("Precision: float16 (emulated, "), r.out());
        java.util.regex.Matcher acc = java.util.regex.Pattern.compile("test accuracy (\\d\\.\\d+)").matcher(r.out());
        assertTrue(acc.find() && Double.parseDouble(acc.group(1)) >= 0.9, r.out());
        Cli half = Cli.run("predict", "--model", model.toString(), "--data", iris.toString(), "--precision", "fp16");
        Cli wide = Cli.run("predict", "--model", model.toString(), "--data", iris.toString(), "--precision", "fp64");
        assertEquals(NanLab.OK, half.code(), half.err());
        assertTrue(half.err().contains("computed in float16 (emulated)") && wide.err().contains("computed in float64;"),
                half.err() + wide.err());
        List<String> a = half.out().lines().toList(), b = wide.out().lines().toList();
        int differ = 0;
        for (int i = 0; i < a.size(); i++) if (!a.get(i).equals(b.get(i))) differ++;
        assertTrue(differ <= 3, differ + " of 150 rows change class between float16 and float64");
    }

    @Test
    void lossScaleDynamicTrainsIrisInFloat16AndShowsTheScale() throws Exception {
        Path iris = Cli.iris(dir);
        Cli r = train(iris, dir.resolve("scaled.safetensors"), "--precision", "fp16", "--loss-scale", "dynamic",
                "--out", dir.resolve("out").toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("  loss scale 2^15 at the end, 0 step(s) skipped"), "float16's starting scale, kept: " + r.out());
        List<String> header = Files.readAllLines(dir.resolve("out").resolve("history.csv"));
        assertTrue(header.get(0).contains("loss_scale") && header.get(1).contains("32768"), header.get(0) + "\n" + header.get(1));
        // train's own lines, after the data check's table
        String own = r.out().substring(r.out().indexOf("Precision: "));
        for (String line : own.lines().toList()) if (!line.startsWith("wrote ")) assertTrue(line.length() <= 80, "over 80 columns: " + line);
    }

    @Test
    void aBadLossScaleIsRefusedNamingTheFlag() {
        Path iris = Cli.iris(dir);
        assertTrue(train(iris, dir.resolve("a.safetensors"), "--loss-scale", "1000").inputErrorLine()
                .startsWith("nanlab train: --loss-scale 1000: not a power of two"));
        assertTrue(train(iris, dir.resolve("b.safetensors"), "--loss-scale", "lots").inputErrorLine()
                .contains("--loss-scale: unknown 'lots'"));
        String inf = train(iris, dir.resolve("c.safetensors"), "--precision", "fp16", "--loss-scale", "65536").inputErrorLine();
        assertTrue(inf.contains("--loss-scale 65536 is Infinity in float16 (largest finite 65504.0)"), inf);
    }
}
