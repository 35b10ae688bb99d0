package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Sequential;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    static final double SNAN = Double.longBitsToDouble(0x7ff0_0000_0000_0001L);
    static final double QNAN_PAYLOAD = Double.longBitsToDouble(0xfff8_dead_beef_0001L);

    private static long[] bits(Tensor t) {
        return Arrays.stream(t.toFlatArray()).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void roundTripsBitExactlyIncludingNaNPayloadsAndSignedZero() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("special", Tensor.of(2, 4, -0.0, 0.0, Double.MIN_VALUE, -Double.MAX_VALUE, Double.NaN, SNAN, QNAN_PAYLOAD,
                Double.NEGATIVE_INFINITY));
        in.put("layer/W", Tensor.of(new double[][] {{1.0 / 3, Math.PI, -1e-300}}));
        in.put("s", Tensor.scalar(Math.ulp(1.0)));
        Path f = dir.resolve("ck.safetensors");
        Checkpoint.save(f, in, Map.of("epoch", "7"));
        Checkpoint.Contents out = Checkpoint.read(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(out.tensors().keySet()));
        for (String k : in.keySet()) {
            assertEquals(in.get(k).shape(), out.tensors().get(k).shape(), k);
            assertArrayEquals(bits(in.get(k)), bits(out.tensors().get(k)), k);
        }
        assertEquals(0x7ff0_0000_0000_0001L, Double.doubleToRawLongBits(out.tensors().get("special").get(1, 1)));
        assertEquals(Map.of("epoch", "7"), out.metadata());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "the temporary file must be gone");
        }
    }

    @Test
    void layoutFollowsTheSafetensorsSpec() throws IOException {
        Path f = dir.resolve("a.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("a", Tensor.of(2, 3, 1, 2, 3, 4, 5, 6));
        in.put("b", Tensor.row(-2.5));
        Checkpoint.save(f, in);
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
        assertEquals(6.0, b.getDouble((int) (8 + n + 40)));
        assertEquals(-2.5, b.getDouble((int) (8 + n + 48)));
        Checkpoint.save(f, Map.of("c", Tensor.scalar(1))); // atomic replace of an existing file
        assertEquals(List.of("c"), List.copyOf(Checkpoint.load(f).keySet()));
    }

    /** A file from a header text and a data section. */
    Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static String refused(Path f) {
        return assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(f)).getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    @Test
    void refusesTruncatedAndOversizedHeaders() throws IOException {
        Path good = dir.resolve("g.safetensors");
        Checkpoint.save(good, Map.of("w", Tensor.of(2, 2, 1, 2, 3, 4)));
        byte[] raw = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(raw, raw.length - 8));
        assertContains(refused(cut), "data_offsets [0, 32] are not within the data section of 24 bytes (truncated file?)");
        Files.write(cut, Arrays.copyOf(raw, raw.length + 8));
        assertContains(refused(cut), "the data section is 40 bytes but the tensors cover 32 (trailing bytes");
        Files.write(cut, Arrays.copyOf(raw, 5));
        assertContains(refused(cut), "is 5 bytes, too short for the 8-byte header length");
        Files.write(cut, Arrays.copyOf(raw, 20));
        assertContains(refused(cut), "exceeds the 12 bytes after the length field");

        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200L << 20).put("{}      ".getBytes());
        Files.write(cut, huge.array());
        assertContains(refused(cut), "exceeds the cap of 104857600 bytes");
        ByteBuffer neg = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).put("{}      ".getBytes());
        Files.write(cut, neg.array());
        assertContains(refused(cut), "header length 18446744073709551615 exceeds the cap");
    }

    @Test
    void refusesBadDtypeShapeAndOffsets() throws IOException {
        assertContains(refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}", 8)),
                "tensor 'w': dtype F32 is not supported");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16)),
                "tensor 'w': shape [2] must be 2-D");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,24]}}", 24)),
                "shape [2,2] needs 32 bytes of F64 but data_offsets [0, 24] hold 24");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[0,2],\"data_offsets\":[0,0]}}", 0)),
                "dimension 0 must be a positive integer");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,8]}}", 8)),
                "is too large");
        assertContains(refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[99999999999,1],\"data_offsets\":[0,8]}}", 8)),
                "dimension 99999999999 must be a positive integer");
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
        assertEquals(Map.of(), Checkpoint.load(file("{}      ", 0)));
    }

    private static Layer net(int hidden, long seed) {
        Random rng = new Random(seed);
        return new Sequential(new Dense("d1", 3, hidden, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("d2", hidden, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
    }

    @Test
    void modelParametersRoundTripByName() throws IOException {
        Layer a = net(4, 1), b = net(4, 2);
        assertNotEquals(a.parameters().get(0).value(), b.parameters().get(0).value());
        Path f = dir.resolve("m.safetensors");
        Checkpoint.saveModel(f, a);
        assertEquals(List.of("d1/W", "d1/b", "d2/W", "d2/b"), List.copyOf(Checkpoint.load(f).keySet()));
        Checkpoint.loadModel(f, b);
        for (int i = 0; i < 4; i++) assertEquals(a.parameters().get(i).value(), b.parameters().get(i).value());
    }

    @Test
    void modelMismatchIsAClearErrorAndChangesNothing() throws IOException {
        Layer a = net(4, 1), wider = net(5, 2);
        Path f = dir.resolve("m.safetensors");
        Checkpoint.saveModel(f, a);
        Tensor before = wider.parameters().get(0).value();
        String m = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadModel(f, wider)).getMessage();
        assertContains(m, "'d1/W' is 3x4 in the file but 3x5 in the model");
        assertEquals(before, wider.parameters().get(0).value());
        Map<String, Tensor> partial = new LinkedHashMap<>(Checkpoint.load(f));
        partial.remove("d2/b");
        partial.put("extra", Tensor.scalar(1));
        partial.put("d1/b", Tensor.of(1, 4, 0, Double.NaN, 0, 0));
        Checkpoint.save(f, partial);
        m = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadModel(f, net(4, 3))).getMessage();
        assertContains(m, "missing 'd2/b' (1x2)");
        assertContains(m, "unexpected 'extra'");
        assertContains(m, "'d1/b' holds NaN/Inf");
        assertFalse(m.contains("'d1/W'"));
    }
}
