package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.finitegrad.core.FloatFormats;
import io.finitegrad.core.Gemm;
import io.finitegrad.core.Tensor;
import io.finitegrad.examples.Readme;
import io.finitegrad.optim.io.DType;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.io.WriteOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nanlab inspect}: every header entry with its counts and range, the metadata and the verdict
 * within 80 columns; exit 0 when finite, 1 for NaN/Inf, 2 for a file that is not a readable
 * safetensors file. {@code torch/mlp.safetensors} is PyTorch 1.13's own state dict of an MLP, copied
 * from optim's torch fixtures (written by {@code optim/src/test/resources/torch/torch_fixtures.py}).
 */
class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    void aTrainedCheckpointListsItsTensorsAndMetadataAndExits0() {
        Path model = dir.resolve("iris.safetensors");
        Cli t = Cli.run("train", "--data", Cli.iris(dir).toString(), "--label", "species", "--hidden", "8", "--epochs", "5",
                "--seed", "1", "--save", model.toString());
        assertEquals(NanLab.OK, t.code(), t.out() + t.err());

        Cli r = Cli.run("inspect", model.toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertEquals("", r.err());
        List<String> lines = lines(r);
        assertTrue(lines.get(0).startsWith("iris.safetensors ("), lines.get(0));
        assertEquals("tensor   dtype shape          NaN  +Inf  -Inf  finite range", lines.get(2));
        String range = "  \\S+\\.\\.\\S+";
        assertTrue(lines.get(3).matches("dense1/W F64   \\[4, 8\\]           0     0     0" + range), lines.get(3));
        assertTrue(lines.get(4).matches("dense1/b F64   \\[1, 8\\]           0     0     0" + range), lines.get(4));
        assertTrue(lines.get(5).matches("out/W    F64   \\[8, 3\\]           0     0     0" + range), lines.get(5));
        assertTrue(lines.get(6).matches("out/b    F64   \\[1, 3\\]           0     0     0" + range), lines.get(6));
        assertTrue(lines.contains("metadata (4 entries):"), r.out());
        assertTrue(lines.contains("  format = finitegrad"), r.out());
        assertTrue(lines.contains("  gemm = " + Gemm.kernel().name().toLowerCase(Locale.ROOT)), r.out());
        String nanlab = lines.stream().filter(l -> l.startsWith("  nanlab = {")).findFirst().orElseThrow();
        int length = metadata(model).get("nanlab").length();
        assertTrue(length > 80 && nanlab.endsWith("... (" + length + " chars)"), nanlab);
        assertEquals("4 tensors: all finite", lines.get(lines.size() - 1));
    }

    @Test
    void nanAndInfAreCountedPerTensorAndTheCulpritsNamedWithExit1() throws IOException {
        Path file = dir.resolve("broken.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        double nan = Double.NaN, inf = Double.POSITIVE_INFINITY;
        t.put("dense1/W", Tensor.of(2, 3, nan, 1.5, nan, -2, nan, 0.25));
        t.put("dense1/b", Tensor.of(1, 3, inf, -inf, -inf));
        t.put("dense2/W", Tensor.of(3, 1, 1, 2, 3));
        Safetensors.write(file, t, Map.of());

        Cli r = Cli.run("inspect", file.toString());
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertEquals("", r.err());
        List<String> lines = lines(r);
        assertEquals("tensor   dtype shape          NaN  +Inf  -Inf  finite range", lines.get(2));
        assertEquals("dense1/W F64   [2, 3]           3     0     0  -2..1.5", lines.get(3));
        assertEquals("dense1/b F64   [1, 3]           0     1     2  no finite value", lines.get(4));
        assertEquals("dense2/W F64   [3, 1]           0     0     0  1..3", lines.get(5));
        assertEquals("no metadata", lines.get(7));
        String verdict = lines.get(lines.size() - 1);
        assertEquals("2 of 3 tensors hold NaN/Inf: dense1/W (3 NaN), dense1/b (1 +Inf, 2 -Inf)", verdict);
        assertTrue(String.join(" ", Readme.lines()).contains("`" + verdict + "`"), "the README quotes this verdict");
    }

    @Test
    void halfBfloatFloatAtRanks0And1AndPyTorchsSkippedCounterAreListed() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(2 * 2 + 2 + 4 * 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort(FloatFormats.doubleToHalf(1.0)).putShort(FloatFormats.doubleToHalf(-2.0));
        data.putShort(FloatFormats.doubleToBfloat16(0.5));
        for (float f : new float[] {-3, 4, 0.125f, 8}) data.putFloat(f);
        data.putLong(7);
        Path file = raw("bn.safetensors", "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"scale\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[4,6]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[6,22]},"
                + "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[22,30]}}", data.array());

        Cli r = Cli.run("inspect", file.toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        List<String> lines = lines(r);
        assertEquals("h                      F16   [2]              0     0     0  -2..1", lines.get(3));
        assertEquals("scale                  BF16  []               0     0     0  0.5..0.5", lines.get(4));
        assertEquals("w                      F32   [2, 2]           0     0     0  -3..8", lines.get(5));
        assertEquals("bn.num_batches_tracked I64   []           skipped (integer counter, not loaded)", lines.get(6));
        assertEquals("4 tensors, 1 skipped: all finite", lines.get(lines.size() - 1));
    }

    @Test
    void aFileWithoutTensorsSaysSoOnceAndExits0() throws IOException {
        Path file = raw("empty.safetensors", "{\"__metadata__\":{\"note\":\"nothing yet\"}}", new byte[0]);
        Cli r = Cli.run("inspect", file.toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertEquals(List.of("empty.safetensors (48 bytes)", "", "metadata (1 entry):", "  note = nothing yet", "", "no tensors"),
                lines(r));
    }

    @Test
    void pyTorchsOwnStateDictIsReadWithItsOneDimensionalBiases() throws IOException {
        Path file = dir.resolve("mlp.safetensors");
        try (InputStream in = InspectCommandTest.class.getResourceAsStream("/torch/mlp.safetensors")) {
            Files.write(file, in.readAllBytes());
        }
        Cli r = Cli.run("inspect", file.toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        List<String> lines = lines(r);
        assertEquals("mlp.safetensors (1140 bytes)", lines.get(0));
        List<String> rows = lines.subList(3, 11);
        List<String> names = List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "6.weight", "6.bias");
        List<String> shapes = List.of("[8, 4]", "[8]", "[6, 8]", "[6]", "[5, 6]", "[5]", "[3, 5]", "[3]");
        for (int i = 0; i < rows.size(); i++) {
            assertTrue(rows.get(i).startsWith(String.format("%-8s F32   %-12s     0     0     0  ", names.get(i), shapes.get(i))),
                    rows.get(i));
        }
        assertTrue(lines.contains("  format = pt"), r.out());
        assertEquals("8 tensors: all finite", lines.get(lines.size() - 1));
    }

    @Test
    void theReadmeSampleIsWhatInspectPrintsForThePyTorchFixture() {
        String command = "`java -jar examples/target/nanlab.jar inspect examples/src/test/resources/torch/mlp.safetensors`";
        Readme.Fence sample = Readme.fenceAfter(Readme.lines(), command);
        Path fixture = Readme.path().resolveSibling("examples/src/test/resources/torch/mlp.safetensors");
        Cli r = Cli.run("inspect", fixture.toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertEquals(r.out().lines().toList(), sample.lines(), "README.md:" + sample.firstLine() + " should be what inspect prints");
    }

    @Test
    void longNamesWrapWholeLongMetadataIsShortenedAndTheVerdictStaysOneLine() throws IOException {
        String longName = "encoder/" + "block".repeat(30) + "/W"; // 160 characters
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put(longName, Tensor.of(1, 2, Double.NaN, 1));
        for (int i = 0; i < 12; i++) t.put("layer" + i + "/running_variance", Tensor.of(1, 1, Double.POSITIVE_INFINITY));
        t.put("huge", Tensor.of(1, 2, -Double.MAX_VALUE, Double.MAX_VALUE));
        String key = "k".repeat(50), value = "v".repeat(1000);
        Path file = dir.resolve("long.safetensors");
        Safetensors.write(file, t, Map.of(key, value, "line\nbreak", "a\u001b[2Jb"));

        Cli r = Cli.run("inspect", file.toString());
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        List<String> lines = lines(r);
        int at = lines.indexOf(longName.substring(0, 80));
        assertTrue(at > 0, "the name's first 80 characters on a line of their own: " + r.out());
        assertEquals("  " + longName.substring(80, 158), lines.get(at + 1));
        assertEquals("  " + longName.substring(158), lines.get(at + 2));
        assertEquals(" ".repeat(25) + "F64   [1, 2]           1     0     0  1..1", lines.get(at + 3));
        assertTrue(lines.contains("layer0/running_variance  F64   [1, 1]           0     1     0  no finite value"), r.out());
        int huge = lines.indexOf("huge                     F64   [1, 2]           0     0     0");
        assertTrue(huge > 0, "a row too wide continues on the next line: " + r.out());
        assertEquals(" ".repeat(25) + "-1.798e+308..1.798e+308", lines.get(huge + 1));
        String meta = lines.stream().filter(l -> l.startsWith("  kkk")).findFirst().orElseThrow();
        assertTrue(meta.startsWith("  " + "k".repeat(17) + "..." + "k".repeat(16) + " = vvv"), meta);
        assertTrue(meta.endsWith("v... (1000 chars)"), meta);
        assertTrue(lines.contains("  line\\u000abreak = a\\u001b[2Jb"), "control characters escaped: " + r.out());
        String verdict = lines.get(lines.size() - 1);
        assertTrue(verdict.startsWith("13 of 14 tensors hold NaN/Inf: encoder/blo...ockblock/W (1 NaN), "), verdict);
        assertTrue(verdict.matches(".*, and \\d+ more"), verdict);
    }

    @Test
    void jsonGivesTheSameCountsToFullPrecision() throws Exception {
        Path file = dir.resolve("f32.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.of(2, 2, 0.1, Double.NaN, 0.2, 0.3));
        t.put("b", Tensor.of(1, 2, Double.NEGATIVE_INFINITY, Double.NaN));
        Safetensors.write(file, t, Map.of("note", "x"), WriteOptions.DEFAULT.withDType(DType.F32).withRank1(Set.of("b")));

        Cli r = Cli.run("inspect", "--json", file.toString());
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        JsonNode j = JsonMapper.builder().build().readTree(r.out());
        assertEquals("f32.safetensors", j.get("file").asText());
        assertEquals(Files.size(file), j.get("bytes").asLong());
        JsonNode w = j.get("tensors").get(0), b = j.get("tensors").get(1);
        assertEquals("F32", w.get("dtype").asText());
        assertEquals("[2,2]", w.get("shape").toString());
        assertEquals(1, w.get("nan").asInt());
        assertEquals((double) 0.1f, w.get("min").asDouble(), 0.0); // the F32 value, not 0.1
        assertEquals((double) 0.3f, w.get("max").asDouble(), 0.0);
        assertEquals("[2]", b.get("shape").toString());
        assertEquals(1, b.get("negInf").asInt());
        assertTrue(b.get("min").isNull(), b.toString());
        assertEquals("x", j.get("metadata").get("note").asText());
        assertEquals("[\"w\",\"b\"]", j.get("nonFinite").toString());
        assertEquals("2 of 2 tensors hold NaN/Inf: w (1 NaN), b (1 NaN, 1 -Inf)", j.get("verdict").asText());
    }

    @Test
    void aTruncatedFileAndANonSafetensorsFileAreRefusedNamingTheFileWithExit2() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, Map.of("w", Tensor.of(2, 2, 1, 2, 3, 4)), Map.of());
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 5));
        String line = Cli.run("inspect", truncated.toString()).inputErrorLine();
        assertTrue(line.startsWith("nanlab inspect: ") && line.contains("truncated.safetensors"), line);

        Path csv = dir.resolve("iris.csv");
        Files.writeString(csv, "sepal_length,species\n5.1,setosa\n");
        String csvLine = Cli.run("inspect", csv.toString()).inputErrorLine();
        assertTrue(csvLine.contains("iris.csv") && csvLine.contains("header length"), csvLine);

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(Cli.run("inspect", tiny.toString()).inputErrorLine().contains("tiny.safetensors"));
    }

    @Test
    void aMissingPathOrADirectoryIsRefusedNamingThePathWithExit2() {
        Path missing = dir.resolve("no-such.safetensors");
        assertEquals("nanlab inspect: file not found: " + missing, Cli.run("inspect", missing.toString()).inputErrorLine());
        assertEquals("nanlab inspect: " + dir + " is a directory, not a safetensors file",
                Cli.run("inspect", dir.toString()).inputErrorLine());
        assertTrue(Cli.run("inspect").inputErrorLine().contains("FILE"), "no file given");
    }

    @Test
    void helpListsTheCommandOnOneLine() {
        Cli r = Cli.run("--help");
        assertEquals(NanLab.OK, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.equals("  inspect  Is a checkpoint broken? NaN/Inf counts and range of each tensor.")),
                "one line of its own: " + r.out());
        for (String line : r.out().lines().toList()) assertTrue(line.length() <= 80, "80 columns: " + line);
    }

    /** Standard output's lines, each checked to fit 80 columns. */
    private static List<String> lines(Cli r) {
        List<String> lines = r.out().lines().toList();
        for (String line : lines) assertTrue(line.length() <= 80, "80 columns: '" + line + "' in\n" + r.out());
        return lines;
    }

    private static Map<String, String> metadata(Path file) {
        try {
            return Safetensors.read(file).metadata();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A safetensors file built by hand: length, the header padded with spaces to a multiple of 8, the data. */
    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        while (b.position() < 8 + padded) b.put((byte) ' ');
        b.put(data);
        Path file = dir.resolve(name);
        Files.write(file, b.array());
        return file;
    }
}
