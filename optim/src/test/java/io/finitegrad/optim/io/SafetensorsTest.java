package io.finitegrad.optim.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors codec on its own: named tensors and string metadata, no model involved. */
class SafetensorsTest {
    @TempDir
    Path dir;

    static final double SNAN = Double.longBitsToDouble(0x7ff0_0000_0000_0001L);
    static final double QNAN_PAYLOAD = Double.longBitsToDouble(0xfff8_dead_beef_0001L);

    private static long[] bits(Tensor t) {
        return Arrays.stream(t.toFlatArray()).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    private static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        for (String k : expected.keySet()) {
            assertEquals(expected.get(k).shape(), actual.get(k).shape(), k);
            assertArrayEquals(bits(expected.get(k)), bits(actual.get(k)), k);
        }
    }

    @Test
    void roundTripsBitExactlyIncludingNaNPayloadsAndSignedZero() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("special", Tensor.of(2, 4, -0.0, 0.0, Double.MIN_VALUE, -Double.MAX_VALUE, Double.NaN, SNAN, QNAN_PAYLOAD,
                Double.NEGATIVE_INFINITY));
        in.put("layer/W", Tensor.of(new double[][] {{1.0 / 3, Math.PI, -1e-300}}));
        in.put("s", Tensor.scalar(Math.ulp(1.0)));
        Path f = dir.resolve("ck.safetensors");
        Safetensors.write(f, in, Map.of("epoch", "7"));
        NamedTensors out = Safetensors.read(f);
        assertSameTensors(in, out.tensors());
        assertEquals(0x7ff0_0000_0000_0001L, Double.doubleToRawLongBits(out.tensors().get("special").get(1, 1)));
        assertEquals(Map.of("epoch", "7"), out.metadata());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "the temporary file must be gone");
        }
    }

    @Test
    void arbitraryNamedTensorsAndMetadataRoundTrip() {
        // each tensor: rows, cols and a seed for raw bit patterns (NaN payloads, subnormals, infinities)
        qt().withExamples(Math.max(10, Integer.getInteger("QT_EXAMPLES", 100) / 5))
                .forAll(lists().of(integers().between(1, 5)).ofSizeBetween(0, 6),
                        lists().of(longs().all()).ofSizeBetween(1, 8),
                        strings().betweenCodePoints(0, 0xD7FF).ofLengthBetween(0, 12)) // no half surrogate pairs
                .checkAssert((dims, seeds, text) -> {
                    Map<String, Tensor> in = new LinkedHashMap<>();
                    for (int i = 0; i < dims.size(); i++) {
                        int rows = dims.get(i), cols = dims.get((i + 1) % dims.size());
                        double[] v = new double[rows * cols];
                        for (int j = 0; j < v.length; j++) {
                            v[j] = Double.longBitsToDouble(seeds.get(j % seeds.size()) * (j + 1) + i);
                        }
                        // names with the characters JSON must escape, and the user's text
                        in.put("t" + i + "/\"\\\u00e9\uD83D\uDE00 " + text, Tensor.of(rows, cols, v));
                    }
                    Map<String, String> meta = new LinkedHashMap<>();
                    meta.put("note", text);
                    meta.put(text, "{\"json\": [1, \"\u2603\"]}");
                    try {
                        Path f = dir.resolve("p.safetensors");
                        Safetensors.write(f, in, meta);
                        NamedTensors out = Safetensors.read(f);
                        assertSameTensors(in, out.tensors());
                        assertEquals(meta, out.metadata());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    @Test
    void largeTensorsCrossTheChunkBoundary() throws IOException {
        double[] v = new double[3 * 8192 + 5]; // more than one 64 KiB chunk, not a whole number of them
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5 - 7;
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("big", Tensor.of(1, v.length, v));
        in.put("after", Tensor.of(2, 1, -1, 1));
        Path f = dir.resolve("big.safetensors");
        Safetensors.write(f, in);
        assertSameTensors(in, Safetensors.read(f).tensors());
    }

    @Test
    void layoutFollowsTheSafetensorsSpec() throws IOException {
        Path f = dir.resolve("a.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("a", Tensor.of(2, 3, 1, 2, 3, 4, 5, 6));
        in.put("b", Tensor.row(-2.5));
        Safetensors.write(f, in);
        byte[] raw = Files.readAllBytes(f);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, n % 8, "header padded to 8 bytes");
        assertEquals(8 + n + 7 * 8, raw.length);
        JsonNode h = new ObjectMapper().readTree(new String(raw, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals("F64", h.get("a").get("dtype").asText());
        assertEquals("[2,3]", h.get("a").get("shape").toString());
        assertEquals("[0,48]", h.get("a").get("data_offsets").toString());
        assertEquals("[48,56]", h.get("b").get("data_offsets").toString());
        assertEquals(null, h.get("__metadata__"), "no metadata entry when there is no metadata");
        assertEquals(6.0, b.getDouble((int) (8 + n + 40)));
        assertEquals(-2.5, b.getDouble((int) (8 + n + 48)));
        Safetensors.write(f, Map.of("c", Tensor.scalar(1))); // atomic replace of an existing file
        assertEquals(List.of("c"), List.copyOf(Safetensors.read(f).tensors().keySet()));
    }

    /** A file from a header text and a data section. */
    Path file(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    Path file(String header, int dataBytes) throws IOException {
        return file(header, new byte[dataBytes]);
    }

    @Test
    void readsF32TensorsWidenedExactly() throws IOException {
        float[] values = {0.1f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY, 3.5f};
        ByteBuffer data = ByteBuffer.allocate(values.length * 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : values) data.putFloat(x);
        data.putDouble(2.25);
        Path f = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[24,32]},\"__metadata__\":{\"format\":\"pt\"}}",
                data.array());
        NamedTensors read = Safetensors.read(f);
        Tensor w = read.tensors().get("w");
        assertEquals("2x3", w.shape());
        for (int i = 0; i < values.length; i++) {
            assertEquals(Double.doubleToRawLongBits(values[i]), Double.doubleToRawLongBits(w.get(i / 3, i % 3)), "element " + i);
        }
        assertEquals(Tensor.scalar(2.25), read.tensors().get("b"));
        assertEquals(Map.of("format", "pt"), read.metadata());
        assertContains(refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,32]}}", 32)),
                "tensor 'w': shape [2,2] needs 16 bytes of F32 but data_offsets [0, 32] hold 32");
    }

    private static String refused(Path f) {
        return assertThrows(CheckpointFormatException.class, () -> Safetensors.read(f)).getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    @Test
    void readMetadataChecksTheHeaderAsReadDoesWithoutTheTensors() throws IOException {
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, Map.of("w", Tensor.of(2, 2, 1, 2, 3, 4)), Map.of("epoch", "7"));
        assertEquals(Safetensors.read(f).metadata(), Safetensors.readMetadata(f));
        assertEquals(Map.of("epoch", "7"), Safetensors.readMetadata(f));
        Path cut = dir.resolve("cut.safetensors");
        byte[] raw = Files.readAllBytes(f);
        Files.write(cut, Arrays.copyOf(raw, raw.length - 8));
        String m = assertThrows(CheckpointFormatException.class, () -> Safetensors.readMetadata(cut)).getMessage();
        assertEquals(refused(cut), m, "the same checks, the same message");
    }

    @Test
    void refusesTruncatedAndOversizedHeaders() throws IOException {
        Path good = dir.resolve("g.safetensors");
        Safetensors.write(good, Map.of("w", Tensor.of(2, 2, 1, 2, 3, 4)));
        byte[] raw = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(raw, raw.length - 8));
        assertContains(refused(cut), "cut.safetensors: tensor 'w': data_offsets [0, 32] are not within the data section of 24 bytes (truncated file?)");
        Files.write(cut, Arrays.copyOf(raw, raw.length + 8));
        assertContains(refused(cut), "the data section is 40 bytes but the tensors cover 32 (trailing bytes");
        Files.write(cut, Arrays.copyOf(raw, 5));
        assertContains(refused(cut), "is 5 bytes, too short for the 8-byte header length");
        Files.write(cut, Arrays.copyOf(raw, 20));
        assertContains(refused(cut), "exceeds the 12 bytes after the length field");

        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200L << 20).put("{}      ".getBytes());
        Files.write(cut, huge.array());
        assertContains(refused(cut), "exceeds the cap of 16777216 bytes");
        ByteBuffer neg = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).put("{}      ".getBytes());
        Files.write(cut, neg.array());
        assertContains(refused(cut), "header length 18446744073709551615 exceeds the cap");
    }

    @Test
    void refusesBadDtypeShapeAndOffsets() throws IOException {
        assertContains(refused(file("{\"w\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[0,16]}}", 16)),
                "tensor 'w': dtype I64 is an integer type, which finitegrad does not load (it reads F64, F32, F16 and BF16");
        assertContains(refused(file("{\"w\":{\"dtype\":\"C64\",\"shape\":[1,2],\"data_offsets\":[0,16]}}", 16)),
                "tensor 'w': dtype C64 is not supported (finitegrad reads F64, F32, F16 and BF16)");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2,1,1],\"data_offsets\":[0,16]}}", 16)),
                "tensor 'w': shape [2,1,1] must be an array of rank 0, 1 or 2");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,24]}}", 24)),
                "shape [2,2] needs 32 bytes of F64 but data_offsets [0, 24] hold 24");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[0,2],\"data_offsets\":[0,0]}}", 0)),
                "tensor 'w' (F64, shape [0,2]) is 0-sized; finitegrad has no empty tensors");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,8]}}", 8)),
                "is too large");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[99999999999,1],\"data_offsets\":[0,8]}}", 8)),
                "dimension 99999999999 must be a non-negative integer below 2^31");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[8,16]}}", 8)),
                "data_offsets [8, 16] are not within the data section of 8 bytes");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[8,16]}}", 16)),
                "gap in the data section: bytes [0, 8)");
        assertContains(refused(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[1,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[8,16]}}", 16)), "overlaps");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[-8,0]}}", 8)),
                "data offset -8 must be a non-negative integer");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]}}", 8)), "Duplicate field 'w'");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8],\"x\":1}}", 8)),
                "unknown field 'x'");
        assertContains(refused(file("[1,2]   ", 0)), "header does not start with '{'");
        assertContains(refused(file("{\"w\":", 0)), "header is not valid JSON");
        assertContains(refused(file("{} {}", 0)), "header is not valid JSON");
        assertContains(refused(file("{\"__metadata__\":{\"k\":1}}", 0)), "__metadata__ value for 'k' is not a string");
        Path utf = file("{\"\u00e9\":1}", 0);
        byte[] raw = Files.readAllBytes(utf);
        raw[11] = (byte) 0xC3;
        raw[12] = (byte) 0x28; // an invalid UTF-8 continuation
        Files.write(utf, raw);
        assertContains(refused(utf), "header is not valid UTF-8");
        assertEquals(Map.of(), Safetensors.read(file("{}      ", 0)).tensors());
    }

    @Test
    void writeRefusesBadEntriesBeforeTouchingTheFile() throws IOException {
        Path f = dir.resolve("keep.safetensors");
        Safetensors.write(f, Map.of("w", Tensor.scalar(1)));
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> reserved = Map.of("__metadata__", Tensor.scalar(2));
        String m = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, reserved)).getMessage();
        assertContains(m, "bad entry '__metadata__'");
        Map<String, Tensor> unnamed = Map.of("", Tensor.scalar(2));
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, unnamed)).getMessage(),
                "bad entry ''");
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        Map<String, Tensor> ok = Map.of("w", Tensor.scalar(2));
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, ok, nullValue)).getMessage(),
                "metadata entry 'k' -> 'null'");
        Map<String, Tensor> halfPair = Map.of("w\uD800", Tensor.scalar(2));
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, halfPair)).getMessage(),
                "tensor name 'w\uD800' has an unpaired surrogate at index 1");
        Map<String, String> halfMeta = Map.of("k", "\uDC00x");
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, ok, halfMeta)).getMessage(),
                "metadata value for 'k'");
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void readRefusesNamesTheWriterRefuses() throws IOException {
        String entry = "\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]}}";
        assertContains(refused(file("{\"" + entry, 8)), "a tensor has an empty name ''");
        // JSON escapes can name half a surrogate pair, which Jackson decodes as it is
        assertContains(refused(file("{\"w\\uD800" + entry, 8)),
                "tensor name 'w\\uD800' has an unpaired surrogate (\\uD800) at index 1, which UTF-8 cannot encode");
        assertContains(refused(file("{\"__metadata__\":{\"\\uDC00k\":\"v\"}}", 0)),
                "__metadata__ key '\\uDC00k' has an unpaired surrogate (\\uDC00) at index 0");
        assertContains(refused(file("{\"__metadata__\":{\"k\":\"x\\uD83D\"}}", 0)),
                "__metadata__ value for 'k' 'x\\uD83D' has an unpaired surrogate (\\uD83D) at index 1");
        NamedTensors paired = Safetensors.read(file("{\"\\uD83D\\uDE00" + entry, new byte[8]));
        assertEquals(List.of("\uD83D\uDE00"), List.copyOf(paired.tensors().keySet()), "an escaped pair is one character");
    }

    @Test
    void writeRefusesWhatExceedsAFormatLimitBeforeTouchingTheFile() throws IOException {
        Path f = dir.resolve("keep.safetensors");
        Safetensors.write(f, Map.of("w", Tensor.scalar(1)));
        byte[] before = Files.readAllBytes(f);
        Tensor one = Tensor.scalar(2);
        String longName = "n".repeat(Safetensors.MAX_NAME_CHARS + 1);
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of(longName, one)))
                .getMessage(), "tensor name 'nnnn");
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of(longName, one)))
                .getMessage(), "' is 1025 characters, over the limit of 1024 (Safetensors.MAX_NAME_CHARS)");
        Map<String, Tensor> ok = Map.of("w", one);
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, ok, Map.of(longName, "v")))
                .getMessage(), "metadata key 'nnn");
        String longValue = "v".repeat(Safetensors.MAX_METADATA_VALUE_CHARS + 1);
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, ok, Map.of("k", longValue)))
                .getMessage(), "metadata value for 'k' 'vvv");
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, ok, Map.of("k", longValue)))
                .getMessage(), "is 1048577 characters, over the limit of 1048576 (Safetensors.MAX_METADATA_VALUE_CHARS)");
        Map<String, Tensor> tooMany = new LinkedHashMap<>();
        for (int i = 0; i <= Safetensors.MAX_TENSORS; i++) tooMany.put("t" + i, one);
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, tooMany)).getMessage(),
                "65537 tensors, over the limit of 65536 (Safetensors.MAX_TENSORS)");
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i <= Safetensors.MAX_METADATA_ENTRIES; i++) entries.put("k" + i, "v");
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, ok, entries)).getMessage(),
                "1025 metadata entries, over the limit of 1024 (Safetensors.MAX_METADATA_ENTRIES)");
        // each value within its limit, together over the header's
        String full = "v".repeat(Safetensors.MAX_METADATA_VALUE_CHARS);
        Map<String, String> big = new LinkedHashMap<>();
        for (int i = 0; i < 17; i++) big.put("k" + i, full);
        assertContains(assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, ok, big)).getMessage(),
                "the header would be over the limit of 16777216 bytes (Safetensors.MAX_HEADER_BYTES)");
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file is left behind");
        }
        // and at the limits the writer writes what the reader reads
        Map<String, String> atLimits = Map.of("n".repeat(Safetensors.MAX_NAME_CHARS), full);
        Safetensors.write(f, Map.of("n".repeat(Safetensors.MAX_NAME_CHARS), one), atLimits);
        assertEquals(atLimits, Safetensors.read(f).metadata());
    }

    @Test
    void contentsAreImmutableCopies() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.scalar(1));
        NamedTensors c = new NamedTensors(tensors, Map.of());
        tensors.put("b", Tensor.scalar(2));
        assertEquals(List.of("a"), List.copyOf(c.tensors().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> c.tensors().put("c", Tensor.scalar(3)));
        assertThrows(UnsupportedOperationException.class, () -> c.metadata().put("k", "v"));
    }
}
