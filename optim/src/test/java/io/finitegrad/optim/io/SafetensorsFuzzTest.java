package io.finitegrad.optim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whatever bytes the reader is given, it either loads them or throws CheckpointFormatException. */
class SafetensorsFuzzTest {
    @TempDir
    Path dir;

    private void loadsOrRefuses(byte[] bytes) {
        try {
            Path f = dir.resolve("fuzz.safetensors");
            Files.write(f, bytes);
            Safetensors.read(f);
        } catch (CheckpointFormatException expected) {
            // the only acceptable failure
        } catch (IOException e) {
            throw new UncheckedIOException("the loader threw a plain IOException instead of CheckpointFormatException", e);
        }
    }

    @Test
    void randomBytesOnlyEverGiveCheckpointFormatException() {
        qt().forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 200), integers().between(0, 80))
                .checkAssert((bytes, headerLen) -> {
                    byte[] b = new byte[bytes.size()];
                    for (int i = 0; i < b.length; i++) b[i] = (byte) (int) bytes.get(i);
                    loadsOrRefuses(b);
                    // and with a plausible length field, so the parser gets past the first check
                    ByteBuffer withLen = ByteBuffer.allocate(8 + b.length).order(ByteOrder.LITTLE_ENDIAN);
                    withLen.putLong(headerLen).put(b);
                    if (b.length > 0) withLen.put(8, (byte) '{');
                    loadsOrRefuses(withLen.array());
                });
    }

    @Test
    void mutationsOfAValidFileOnlyEverGiveCheckpointFormatException() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("dense1/W", Tensor.of(2, 3, 1, 2, 3, 4, 5, 6));
        in.put("dense1/b", Tensor.row(0.5, -0.5, 0));
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, in, Map.of("k", "v"));
        byte[] valid = Files.readAllBytes(good);
        mutationsOnlyLoadOrRefuse(valid);
    }

    @Test
    void mutationsOfAValidF32FileOnlyEverGiveCheckpointFormatException() throws IOException {
        byte[] header = ("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[16,24]}}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + 24).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header).putFloat(1).putFloat(-2).putFloat(0.5f).putFloat(3).putDouble(4);
        byte[] valid = file.array();
        Path f = dir.resolve("f32.safetensors");
        Files.write(f, valid);
        assertEquals(Tensor.of(2, 2, 1, -2, 0.5, 3), Safetensors.read(f).tensors().get("w"), "the unmutated file loads");
        mutationsOnlyLoadOrRefuse(valid);
    }

    /** Up to six bytes of {@code valid} overwritten, and {@code valid} cut anywhere: each loads or is refused. */
    private void mutationsOnlyLoadOrRefuse(byte[] valid) {
        qt().forAll(lists().of(integers().between(0, valid.length - 1)).ofSizeBetween(1, 6),
                        lists().of(integers().between(0, 255)).ofSizeBetween(6, 6), integers().between(0, valid.length))
                .checkAssert((positions, values, cut) -> {
                    byte[] m = valid.clone();
                    for (int i = 0; i < positions.size(); i++) m[positions.get(i)] = (byte) (int) values.get(i);
                    loadsOrRefuses(m);
                    loadsOrRefuses(java.util.Arrays.copyOf(valid, cut));
                });
    }
}
