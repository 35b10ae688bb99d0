package io.finitegrad.optim.io;

import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes named tensors in the safetensors format (Hugging Face), knowing nothing of
 * models: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F64", "shape": [rows, cols], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {...}}} (space-padded to a multiple of 8), then the raw little-endian data,
 * offsets relative to the start of the data section. Files written here are F64 unless
 * {@link WriteOptions} ask for F32, F16 or BF16, and load in Python with
 * {@code safetensors.numpy.load_file} or {@code safetensors.torch.load_file}. F64, F32, F16 and
 * BF16 tensors of rank 0, 1 or 2 are read, widened to double exactly: rank 1 {@code [n]} loads as
 * 1 x n and rank 0 {@code []} as 1 x 1. Integer tensors are refused, except PyTorch's I64
 * {@code *num_batches_tracked} counter, which is skipped (listed in {@link NamedTensors#stored()}).
 *
 * <p>Writes are atomic: a temporary file in the same directory, forced to disk, then renamed over
 * the target with {@code ATOMIC_MOVE}, so a crash never leaves a half-written file.
 *
 * <p>Reading trusts nothing: the header length is checked against the real file size (and a 100 MB
 * cap) before anything is allocated, the header must be strict UTF-8 JSON without duplicate keys,
 * 0-sized tensors are refused, each tensor's byte length must equal
 * rows * cols * element size (computed without overflow), and the offsets must lie in the data
 * section and cover it exactly, without gaps or overlaps. Values are not checked: NaN payloads and
 * -0.0 round-trip bit for bit.
 */
public final class Safetensors {
    /** Largest header accepted, as the reference implementation's cap. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Bytes moved per read or write call; the only buffer beyond the tensors themselves. */
    private static final int CHUNK_BYTES = 64 * 1024;

    private Safetensors() {
    }

    /** Writes {@code tensors} (in map order) without metadata; see {@link #write(Path, Map, Map)}. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} (in map order) as F64 {@code [rows, cols]} and the string
     * {@code metadata} as the {@code __metadata__} entry, atomically replacing {@code file} if it
     * exists; see {@link #write(Path, Map, Map, WriteOptions)}.
     *
     * @throws IllegalArgumentException as {@link #write(Path, Map, Map, WriteOptions)}
     * @throws IOException if the file cannot be written; the previous file, if any, is then intact
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, WriteOptions.DEFAULT);
    }

    /**
     * Writes {@code tensors} (in map order) in the element type and ranks {@code options} give, and
     * the string {@code metadata} as the {@code __metadata__} entry, atomically replacing
     * {@code file} if it exists. A type narrower than F64 rounds each value to nearest.
     *
     * @throws IllegalArgumentException if an argument is null, or a tensor's name is null, empty or
     *     {@code __metadata__}, or a tensor or a metadata key or value is null, or a name, key or
     *     value holds an unpaired surrogate (not encodable in UTF-8), or {@code options} name as
     *     rank 1 a tensor that is absent or not 1 x n
     * @throws IOException if the file cannot be written; the previous file, if any, is then intact
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, WriteOptions options)
            throws IOException {
        if (file == null || tensors == null || metadata == null || options == null) {
            throw new IllegalArgumentException("Safetensors.write: file, tensors, metadata and options must not be null");
        }
        for (String r : options.rank1()) {
            Tensor t = tensors.get(r);
            if (t == null || t.rows() != 1) {
                throw new IllegalArgumentException("Safetensors.write: '" + r + "' is to be written as rank 1 but is "
                        + (t == null ? "not among the tensors" : t.rows() + " x " + t.cols() + ", not 1 x n"));
            }
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(SafetensorsHeader.METADATA) || e.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: bad entry '" + name + "' -> " + e.getValue()
                        + " (a tensor needs a non-empty name other than " + SafetensorsHeader.METADATA + ")");
            }
            checkUnicode("tensor name", name);
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: metadata entry '" + e.getKey() + "' -> '"
                        + e.getValue() + "' has a null key or value");
            }
            checkUnicode("metadata key", e.getKey());
            checkUnicode("metadata value for '" + e.getKey() + "'", e.getValue());
        }
        byte[] json = SafetensorsHeader.encode(tensors, metadata, options);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors.values()) writeValues(ch, t.toFlatArray(), options.dtype(), chunk);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The tensors (in header order) and metadata of a file.
     *
     * @throws CheckpointFormatException (an {@link IOException}) naming the file and the tensor if
     *     the file is truncated, oversized or malformed
     * @throws IOException if the file cannot be read
     */
    public static NamedTensors read(Path file) throws IOException {
        String name = String.valueOf(file.getFileName());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw SafetensorsHeader.bad(name, "is " + size
                        + " bytes, too short for the 8-byte header length (truncated or not a safetensors file)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, 0, lenBuf, name);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw SafetensorsHeader.bad(name, "header length " + Long.toUnsignedString(n) + " exceeds the cap of "
                        + MAX_HEADER_BYTES + " bytes");
            }
            if (n > size - 8) {
                throw SafetensorsHeader.bad(name, "header length " + n + " exceeds the " + (size - 8)
                        + " bytes after the length field (truncated or not a safetensors file)");
            }
            if (n < 2) throw SafetensorsHeader.bad(name, "header length " + n + " is too small for a JSON object");
            ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
            readFully(ch, 8, headerBytes, name);
            SafetensorsHeader header = SafetensorsHeader.parse(name, headerBytes, size - 8 - n);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            List<StoredTensor> stored = new ArrayList<>(header.entries.size());
            for (SafetensorsHeader.Entry e : header.entries) {
                stored.add(e.stored());
                if (e.dtype() == null) continue; // skipped: PyTorch's step counter
                double[] d = new double[e.rows() * e.cols()];
                readValues(ch, 8 + n + e.begin(), e.dtype(), d, chunk, name);
                tensors.put(e.name(), Tensor.of(e.rows(), e.cols(), d));
            }
            return new NamedTensors(tensors, header.metadata, stored);
        }
    }

    /**
     * The header is UTF-8, which cannot encode half of a surrogate pair; Jackson would escape it as
     * {@code \uD800}, which the reference (Rust) safetensors reader refuses, so it is refused here.
     */
    private static void checkUnicode(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) i++;
            else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("Safetensors.write: " + what + " '" + s + "' has an unpaired surrogate at index "
                        + i + ", which UTF-8 cannot encode");
            }
        }
    }

    private static void writeValues(FileChannel ch, double[] values, DType dtype, ByteBuffer chunk) throws IOException {
        int perChunk = chunk.capacity() / dtype.bytes();
        for (int from = 0; from < values.length; from += perChunk) {
            int count = Math.min(perChunk, values.length - from);
            chunk.clear();
            dtype.encode(values, from, count, chunk);
            chunk.limit(count * dtype.bytes());
            writeFully(ch, chunk);
        }
    }

    private static void readValues(FileChannel ch, long pos, DType dtype, double[] into, ByteBuffer chunk, String file)
            throws IOException {
        int perChunk = chunk.capacity() / dtype.bytes();
        for (int from = 0; from < into.length; from += perChunk) {
            int count = Math.min(perChunk, into.length - from);
            chunk.clear().limit(count * dtype.bytes());
            readFully(ch, pos + (long) from * dtype.bytes(), chunk, file);
            dtype.decode(chunk, into, from, count);
        }
    }

    /**
     * Fills {@code b} (position 0) with the bytes at {@code pos}, then flips it; a file that ends
     * first (shrunk while being read) is a format error.
     */
    private static void readFully(FileChannel ch, long pos, ByteBuffer b, String file) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw SafetensorsHeader.bad(file, "ends early at byte " + (pos + b.position())
                        + " (truncated while reading?)");
            }
        }
        b.flip();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
