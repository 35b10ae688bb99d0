package io.finitegrad.optim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What PyTorch writes: F16 and BF16 elements, rank 0 and rank 1 shapes, integer counters; and F32 written on request. */
class SafetensorsDTypesTest {
    @TempDir
    Path dir;

    private Path file(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static byte[] shorts(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : bits) b.putShort((short) s);
        return b.array();
    }

    @Test
    void readsHalfAndBfloat16Exactly() throws IOException {
        // 0x3C00 = 1, 0xC000 = -2, 0x7BFF = 65504 (half's largest), 0x0001 = 2^-24 (smallest subnormal)
        Path half = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}",
                shorts(0x3C00, 0xC000, 0x7BFF, 0x0001));
        assertEquals(Tensor.of(2, 2, 1, -2, 65504, Math.scalb(1.0, -24)), Safetensors.read(half).tensors().get("h"));
        // bfloat16 is the top half of a float: 0x3F80 = 1, 0x4049 = 3.140625, 0xFF80 = -Inf
        Path bf = file("{\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}}", shorts(0x3F80, 0x4049, 0xFF80));
        assertEquals(Tensor.of(1, 3, 1, 3.140625, Double.NEGATIVE_INFINITY), Safetensors.read(bf).tensors().get("b"));
    }

    @Test
    void rankOneLoadsAsARowAndRankZeroAsOneByOne() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putDouble(1).putDouble(2).putDouble(3)
                .putDouble(7);
        Path f = file("{\"bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]},"
                + "\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[24,32]}}", data.array());
        NamedTensors read = Safetensors.read(f);
        assertEquals(Tensor.of(1, 3, 1, 2, 3), read.tensors().get("bias"));
        assertEquals(Tensor.scalar(7), read.tensors().get("s"));
        assertEquals(List.of(new StoredTensor("bias", "F64", List.of(3L), false),
                new StoredTensor("s", "F64", List.of(), false)), read.stored());
    }

    @Test
    void pytorchsBatchCounterIsSkippedAndListed() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.5).putLong(12);
        Path f = file("{\"bn.running_mean\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}", data.array());
        NamedTensors read = Safetensors.read(f);
        assertEquals(Set.of("bn.running_mean"), read.tensors().keySet());
        assertEquals(new StoredTensor("bn.num_batches_tracked", "I64", List.of(), true), read.stored().get(1));
        // any other integer tensor is refused, even one PyTorch would write
        Path ids = file("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        String m = assertThrows(CheckpointFormatException.class, () -> Safetensors.read(ids)).getMessage();
        assertTrue(m.contains("tensor 'ids': dtype I64 is an integer type"), m);
    }

    @Test
    void zeroSizedTensorsAreRefusedNamingTheTensor() throws IOException {
        Path f = file("{\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", new byte[0]);
        String m = assertThrows(CheckpointFormatException.class, () -> Safetensors.read(f)).getMessage();
        assertTrue(m.contains(f.getFileName() + ": tensor 'empty' (F32, shape [0]) is 0-sized"), m);
    }

    @Test
    void writesF32RoundedToNearestAndBiasesAsRankOne() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", Tensor.of(2, 2, 0.1, 1.0 / 3, 1e39, -0.0));
        in.put("b", Tensor.of(1, 2, 0.5, Math.PI));
        Path f = dir.resolve("f32.safetensors");
        Safetensors.write(f, in, Map.of(), WriteOptions.DEFAULT.withDType(DType.F32).withRank1(Set.of("b")));
        NamedTensors read = Safetensors.read(f);
        assertEquals(List.of(new StoredTensor("w", "F32", List.of(2L, 2L), false),
                new StoredTensor("b", "F32", List.of(2L), false)), read.stored());
        assertEquals(Tensor.of(2, 2, (float) 0.1, (float) (1.0 / 3), Double.POSITIVE_INFINITY, -0.0), read.tensors().get("w"));
        assertEquals(Tensor.of(1, 2, 0.5, (float) Math.PI), read.tensors().get("b"));
        long dataBytes = 6 * Float.BYTES;
        ByteBuffer len = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(Files.size(f), 8 + len.getLong() + dataBytes, "F32 elements take 4 bytes each");
    }

    @Test
    void rankOneNeedsARowTensor() {
        Map<String, Tensor> in = Map.of("w", Tensor.of(2, 1, 1, 2));
        Path f = dir.resolve("x.safetensors");
        String m = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(f, in, Map.of(), WriteOptions.DEFAULT.withRank1(Set.of("w", "v")))).getMessage();
        assertTrue(m.contains("is to be written as rank 1 but is"), m);
        assertTrue(m.contains("'w'") || m.contains("'v'"), m);
    }
}
