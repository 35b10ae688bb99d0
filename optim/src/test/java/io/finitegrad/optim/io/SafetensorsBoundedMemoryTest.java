package io.finitegrad.optim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.finitegrad.core.Tensor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile checkpoints on a 64 MB heap (optim/pom.xml runs this class alone in a JVM with
 * {@code -Xmx64m}): each file is answered within 10 s with a {@link CheckpointFormatException}
 * naming it, never an OutOfMemoryError. Large files are sparse, so the disk holds only the bytes
 * that are not zeros.
 */
@Tag("bounded-memory")
class SafetensorsBoundedMemoryTest {
    static final Duration BOUND = Duration.ofSeconds(10);
    static final long MB = 1L << 20;

    @TempDir
    Path dir;

    /** The exception {@code f} is refused with on this heap, within {@link #BOUND}; fails if it loads. */
    static CheckpointFormatException refused(Path f) {
        CheckpointFormatException e = assertTimeoutPreemptively(BOUND, () -> {
            try {
                Safetensors.read(f);
            } catch (CheckpointFormatException expected) {
                return expected;
            }
            return fail(f.getFileName() + " loaded");
        }, () -> f.getFileName() + " was not answered within " + BOUND.toSeconds() + " s");
        String name = f.getFileName().toString();
        assertTrue(e.getMessage().contains(name), () -> "the message names the file " + name + ": " + e.getMessage());
        return e;
    }

    /** Writes a file: the header length field, then whatever {@code body} streams (header and data). */
    interface Body {
        void write(OutputStream out) throws IOException;
    }

    static Path stream(Path f, long headerLength, Body body) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f), 1 << 16)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
            body.write(out);
        }
        return f;
    }

    static void ascii(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    static void repeat(OutputStream out, char c, long count) throws IOException {
        byte[] run = new byte[1 << 16];
        java.util.Arrays.fill(run, (byte) c);
        for (long left = count; left > 0; left -= run.length) out.write(run, 0, (int) Math.min(run.length, left));
    }

    /** Extends {@code f} to {@code size} bytes with a hole: the file system stores no zeros. */
    static Path sparseTo(Path f, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            if (ch.size() < size) ch.write(ByteBuffer.allocate(1), size - 1);
        }
        return f;
    }

    /** A header of {@code json} padded with spaces to {@code headerBytes}, and a sparse data section. */
    static Path valid(Path f, String json, long headerBytes, long dataBytes) throws IOException {
        stream(f, headerBytes, out -> {
            ascii(out, json);
            repeat(out, ' ', headerBytes - json.length());
        });
        return sparseTo(f, 8 + headerBytes + dataBytes);
    }

    // The hostile files of issue 16, each built in a directory; static so that a measuring harness can build them too.

    /** A 32 MB header that is '{', spaces, '}'. */
    static Path spaces(Path dir) throws IOException {
        long n = 32 * MB;
        return stream(dir.resolve("spaces.safetensors"), n, out -> {
            ascii(out, "{");
            repeat(out, ' ', n - 2);
            ascii(out, "}");
        });
    }

    /** A metadata value of 32 MB. */
    static Path metadataString(Path dir) throws IOException {
        String start = "{\"__metadata__\":{\"k\":\"", end = "\"}}";
        long n = start.length() + 32 * MB + end.length();
        return stream(dir.resolve("metadata.safetensors"), n, out -> {
            ascii(out, start);
            repeat(out, 'm', 32 * MB);
            ascii(out, end);
        });
    }

    /** A 100 MB header (sparse). */
    static Path header100(Path dir) throws IOException {
        long n = 100_000_000L; // under the reference implementation's cap of 100 MB
        Path f = stream(dir.resolve("header100.safetensors"), n, out -> ascii(out, "{\"w\":"));
        return sparseTo(f, 8 + n);
    }

    /** A tensor name of 40 MB. */
    static Path longName(Path dir) throws IOException {
        String end = "\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]}}";
        long n = 2 + 40 * MB + end.length();
        Path f = stream(dir.resolve("name.safetensors"), n, out -> {
            ascii(out, "{\"");
            repeat(out, 'n', 40 * MB);
            ascii(out, end);
        });
        return sparseTo(f, 8 + n + 8);
    }

    /** A million 1 x 1 F64 tensors: a 57 MB header. */
    static Path millionTensors(Path dir) throws IOException {
        int count = 1_000_000;
        long[] n = {0};
        Path f = dir.resolve("million.safetensors");
        // the length field is patched once the header's size is known
        stream(f, 0, out -> {
            StringBuilder b = new StringBuilder("{");
            for (int i = 0; i < count; i++) {
                b.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F64\",\"shape\":[1,1],")
                        .append("\"data_offsets\":[").append(8L * i).append(',').append(8L * i + 8).append("]}");
                if (b.length() > 1 << 15 || i == count - 1) {
                    if (i == count - 1) b.append('}');
                    ascii(out, b.toString());
                    n[0] += b.length();
                    b.setLength(0);
                }
            }
        });
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n[0]), 0);
        }
        return sparseTo(f, 8 + n[0] + 8L * count);
    }

    /** A valid header for one 512 MB F64 tensor, the data a hole. */
    static Path f64Tensor(Path dir) throws IOException {
        return valid(dir.resolve("f64.safetensors"),
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[8192,8192],\"data_offsets\":[0,536870912]}}", 80, 512 * MB);
    }

    /** A valid header for one 512 MB F32 tensor (1 GB as doubles), the data a hole. */
    static Path f32Tensor(Path dir) throws IOException {
        return valid(dir.resolve("f32.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[16384,8192],\"data_offsets\":[0,536870912]}}", 80, 512 * MB);
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    private static final String OVER_THE_CAP = "exceeds the cap of 16777216 bytes (Safetensors.MAX_HEADER_BYTES)";

    @Test
    void aHeaderOf32MegabytesOfSpacesIsRefused() throws IOException {
        assertContains(refused(spaces(dir)).getMessage(), OVER_THE_CAP);
    }

    @Test
    void aMetadataStringOf32MegabytesIsRefused() throws IOException {
        assertContains(refused(metadataString(dir)).getMessage(), OVER_THE_CAP);
    }

    @Test
    void aHeaderOf100MegabytesIsRefused() throws IOException {
        assertContains(refused(header100(dir)).getMessage(), OVER_THE_CAP);
    }

    @Test
    void aTensorNameOf40MegabytesIsRefused() throws IOException {
        assertContains(refused(longName(dir)).getMessage(), OVER_THE_CAP);
    }

    @Test
    void aMillionTinyTensorsAreRefused() throws IOException {
        assertContains(refused(millionTensors(dir)).getMessage(), OVER_THE_CAP);
    }

    @Test
    void a512MegabyteF64TensorIsRefusedForItsSizeBeforeAllocation() throws IOException {
        CheckpointResourceException e = assertInstanceOf(CheckpointResourceException.class, refused(f64Tensor(dir)));
        // the values, and the copy Tensor.of makes of them
        assertTrue(e.needed() >= 2 * 512 * MB, () -> "needed " + e.needed());
        assertTrue(e.available() < Runtime.getRuntime().maxMemory(), () -> "available " + e.available());
        assertContains(e.getMessage(), "f64.safetensors: its 1 tensor needs " + e.needed() + " bytes of heap to load as doubles, "
                + "more than the " + e.available() + " bytes available");
    }

    @Test
    void a512MegabyteF32TensorIsRefusedForItsSizeAsDoubles() throws IOException {
        CheckpointResourceException e = assertInstanceOf(CheckpointResourceException.class, refused(f32Tensor(dir)));
        assertTrue(e.needed() >= 2 * 1024 * MB, () -> "1 GB as doubles, twice: needed " + e.needed());
    }

    /**
     * A file of {@code count} 1 x 1 F64 tensors named {@code <prefix><i>}, after {@code metadata}
     * (streamed JSON members, or nothing) and a sparse data section.
     */
    static Path manyTensors(Path f, int count, String prefix, Body metadata) throws IOException {
        Path written = stream(f, 0, out -> {
            ascii(out, "{");
            metadata.write(out);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < count; i++) {
                b.append(i == 0 && metadata == NONE ? "" : ",").append('"').append(prefix).append(i)
                        .append("\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[").append(8L * i).append(',')
                        .append(8L * i + 8).append("]}");
                if (b.length() > 1 << 15 || i == count - 1) {
                    ascii(out, b.toString());
                    b.setLength(0);
                }
            }
            ascii(out, "}");
        });
        long n;
        try (FileChannel ch = FileChannel.open(written, StandardOpenOption.WRITE)) {
            n = ch.size() - 8; // the length field is patched now that the header's size is known
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n), 0);
        }
        return sparseTo(written, 8 + n + 8L * count);
    }

    static final Body NONE = out -> { };

    static long headerLength(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0);
            return b.getLong(0);
        }
    }

    @Test
    void theLargestHeaderWithinEveryLimitLoadsOnThisHeap() throws IOException {
        // 65,536 tensors with names of ~180 chars, 1,024 metadata entries, one of them a 1 MiB value
        Body meta = out -> {
            ascii(out, "\"__metadata__\":{\"big\":\"");
            repeat(out, 'm', Safetensors.MAX_METADATA_VALUE_CHARS);
            ascii(out, "\"");
            for (int i = 1; i < Safetensors.MAX_METADATA_ENTRIES; i++) ascii(out, ",\"k" + i + "\":\"v\"");
            ascii(out, "}");
        };
        long metaBytes = Safetensors.MAX_METADATA_VALUE_CHARS + 13L * Safetensors.MAX_METADATA_ENTRIES;
        int perEntry = (int) ((Safetensors.MAX_HEADER_BYTES - metaBytes) / Safetensors.MAX_TENSORS);
        String prefix = "p".repeat(perEntry - 70);
        Path f = manyTensors(dir.resolve("largest.safetensors"), Safetensors.MAX_TENSORS, prefix, meta);
        long header = headerLength(f);
        assertTrue(header > Safetensors.MAX_HEADER_BYTES - (1 << 18) && header <= Safetensors.MAX_HEADER_BYTES,
                "the header is just within the cap: " + header);
        NamedTensors read = assertTimeoutPreemptively(BOUND, () -> Safetensors.read(f));
        assertEquals(Safetensors.MAX_TENSORS, read.tensors().size());
        assertEquals(Safetensors.MAX_METADATA_ENTRIES, read.metadata().size());
        assertEquals(Safetensors.MAX_METADATA_VALUE_CHARS, read.metadata().get("big").length());
    }

    /** One tensor named {@code nameChars} x 'n', streamed, within the header cap when the name is. */
    static Path named(Path f, int nameChars) throws IOException {
        String end = "\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]}}";
        long n = 2 + nameChars + end.length();
        Path written = stream(f, n, out -> {
            ascii(out, "{\"");
            repeat(out, 'n', nameChars);
            ascii(out, end);
        });
        return sparseTo(written, 8 + n + 8);
    }

    @Test
    void aNameOverTheLimitIsRefusedWhileItIsRead() throws IOException {
        assertEquals(1, Safetensors.read(named(dir.resolve("at.safetensors"), Safetensors.MAX_NAME_CHARS)).tensors().size());
        String limit = "a name longer than the limit of 1024 characters (Safetensors.MAX_NAME_CHARS)";
        assertContains(refused(named(dir.resolve("over.safetensors"), Safetensors.MAX_NAME_CHARS + 1)).getMessage(),
                "over.safetensors: header has " + limit + ", in a tensor name");
        // 15 MB, within the header cap: refused after its first megabyte, never built
        assertContains(refused(named(dir.resolve("long.safetensors"), 15 << 20)).getMessage(), limit + ", in a tensor name");
    }

    /** No tensors, and a metadata value of {@code chars} x 'm'. */
    static Path metadataOf(Path f, int chars) throws IOException {
        String start = "{\"__metadata__\":{\"k\":\"", end = "\"}}";
        return stream(f, start.length() + chars + end.length(), out -> {
            ascii(out, start);
            repeat(out, 'm', chars);
            ascii(out, end);
        });
    }

    @Test
    void aMetadataValueOverTheLimitIsRefusedWhileItIsRead() throws IOException {
        int max = Safetensors.MAX_METADATA_VALUE_CHARS;
        assertEquals(max, Safetensors.read(metadataOf(dir.resolve("at.safetensors"), max)).metadata().get("k").length());
        String limit = "a string longer than the limit of 1048576 characters (Safetensors.MAX_METADATA_VALUE_CHARS)";
        assertContains(refused(metadataOf(dir.resolve("over.safetensors"), max + 1)).getMessage(), limit);
        String m = refused(metadataOf(dir.resolve("long.safetensors"), 15 << 20)).getMessage();
        assertContains(m, limit + " at character 21, in the __metadata__ value for 'k'");
    }

    @Test
    void moreTensorsOrMetadataEntriesThanTheLimitsAreRefused() throws IOException {
        int max = Safetensors.MAX_TENSORS;
        assertContains(refused(manyTensors(dir.resolve("tensors.safetensors"), max + 1, "t", NONE)).getMessage(),
                "tensors.safetensors: header has more than 65536 tensors, the limit (Safetensors.MAX_TENSORS)");
        Body entries = out -> {
            ascii(out, "\"__metadata__\":{\"k0\":\"v\"");
            for (int i = 1; i <= Safetensors.MAX_METADATA_ENTRIES; i++) ascii(out, ",\"k" + i + "\":\"v\"");
            ascii(out, "}");
        };
        assertContains(refused(manyTensors(dir.resolve("meta.safetensors"), 1, "t", entries)).getMessage(),
                "__metadata__ has more than 1024 entries, the limit (Safetensors.MAX_METADATA_ENTRIES)");
    }

    /**
     * Random bytes, and valid files with bits flipped, cut short, their header length edited, bytes
     * spliced in or out, or a header number replaced: each loads or is refused with a
     * CheckpointFormatException naming the file, within the bound. {@code -DBOUNDED_FILES} files
     * (a few hundred by default, 10,000 with -Pthorough) from the seed {@code -DQT_SEED}.
     */
    @Test
    void randomAndMutatedFilesGetOnlyTheDocumentedExceptions() throws IOException {
        int files = Integer.getInteger("BOUNDED_FILES", 300);
        long seed = Long.parseLong(System.getProperty("QT_SEED", "20261123"));
        Random rng = new Random(seed);
        List<byte[]> valid = validFiles();
        Path f = dir.resolve("mutant.safetensors");
        int[] loaded = {0};
        Set<String> refusals = new HashSet<>();
        for (int i = 0; i < files; i++) {
            StringBuilder how = new StringBuilder();
            byte[] bytes = Mutations.next(rng, valid, how);
            Files.write(f, bytes);
            String what = "file " + i + " of seed " + seed + " (-DQT_SEED=" + seed + "): " + how;
            assertTimeoutPreemptively(BOUND, () -> {
                try {
                    Safetensors.read(f);
                    loaded[0]++;
                } catch (CheckpointFormatException e) {
                    assertTrue(e.getMessage().contains(f.getFileName().toString()),
                            () -> what + ": the message names the file: " + e.getMessage());
                    refusals.add(e.getMessage().replaceAll("'[^']*'|[0-9]+", "_")); // the kind of refusal
                } catch (Throwable t) {
                    throw new AssertionError(what + ": " + t, t);
                }
            }, () -> what + ": not answered within " + BOUND.toSeconds() + " s");
        }
        if (files >= 100) {
            // the damage reaches past the first checks: some files still load, and many checks refuse
            assertTrue(loaded[0] > 0, "seed " + seed + ": no mutated file loaded");
            assertTrue(refusals.size() >= 10, () -> "seed " + seed + ": only " + refusals.size() + " kinds of refusal");
        }
    }

    /** Files the writer makes, and one as PyTorch writes them, to mutate. */
    private List<byte[]> validFiles() throws IOException {
        List<byte[]> out = new ArrayList<>();
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("0.weight", Tensor.of(2, 3, 1, -2, 3.5, 0, -0.0, 1e-300));
        t.put("0.bias", Tensor.row(0.5, -0.5));
        t.put("s", Tensor.scalar(7));
        Path f = dir.resolve("valid.safetensors");
        Safetensors.write(f, t, Map.of("format", "pt", "note", "\u00e9 \"quoted\""));
        out.add(Files.readAllBytes(f));
        Safetensors.write(f, t, Map.of(), WriteOptions.DEFAULT.withDType(DType.F32).withRank1(Set.of("0.bias")));
        out.add(Files.readAllBytes(f));
        Safetensors.write(f, t, Map.of("k", "v"), WriteOptions.DEFAULT.withDType(DType.BF16));
        out.add(Files.readAllBytes(f));
        byte[] h = ("{\"__metadata__\":{\"format\":\"pt\"},\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],"
                + "\"data_offsets\":[0,8]},\"bn.weight\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]}}")
                .getBytes(StandardCharsets.UTF_8);
        out.add(ByteBuffer.allocate(8 + h.length + 12).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).putLong(3)
                .putShort((short) 0x3C00).putShort((short) 0xC000).array());
        return out;
    }
}
