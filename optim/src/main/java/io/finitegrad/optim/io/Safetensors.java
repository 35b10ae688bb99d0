package io.finitegrad.optim.io;

import io.finitegrad.core.Heap;
import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * <p>Writes are atomic: a temporary file {@code .NAME.<digits>.tmp} in the same directory, forced
 * to disk, then renamed over the target with {@code ATOMIC_MOVE}, so a crash never leaves a
 * half-written file. A new file gets the permissions the umask gives any new file; a file saved
 * over keeps its permissions. A save killed part-way leaves its temporary file: the next save or
 * load of the same target removes it (only that target's, and none a live save is writing).
 *
 * <p>Reading trusts nothing, within two kinds of limit. <b>Format limits</b> are fixed, and the
 * writer enforces them too, so every file written here reads back: a header of at most
 * {@link #MAX_HEADER_BYTES} (16 MiB), at most {@link #MAX_TENSORS} (65,536) tensors, names and
 * metadata keys of at most {@link #MAX_NAME_CHARS} (1,024) characters, metadata values of at most
 * {@link #MAX_METADATA_VALUE_CHARS} (1,048,576), at most {@link #MAX_METADATA_ENTRIES} (1,024)
 * metadata entries; characters are Java chars (UTF-16 code units, {@code String.length()}). The
 * header is streamed, never held whole, and a string over its limit is refused while it is read,
 * so every header within the limits parses on a 64 MB heap. The <b>resource limit</b> is relative
 * to the heap: a valid file whose tensors, as double arrays, need more than the heap has left
 * ({@link io.finitegrad.core.Heap#available()}, less a sixteenth of the maximum heap kept free) is
 * refused with a {@link CheckpointResourceException} naming the bytes needed and available, before
 * any tensor is allocated. Beyond the limits, the header length is checked against the real file
 * size, the header must be strict UTF-8 JSON without duplicate keys, names must be non-empty and
 * free of lone surrogates (which a JSON escape can name but UTF-8 cannot encode), 0-sized tensors
 * are refused, each tensor's byte length must equal rows * cols * element size (computed without
 * overflow), and the offsets must lie in the data section and cover it exactly, without gaps or
 * overlaps. Values are not checked: NaN payloads and -0.0 round-trip bit for bit.
 */
public final class Safetensors {
    /** Largest header read or written, in bytes (16 MiB): a 64 MB heap parses any header within the limits. */
    public static final long MAX_HEADER_BYTES = 16L << 20;
    /** Most tensors in a file, skipped ones included (65,536). */
    public static final int MAX_TENSORS = 65_536;
    /** Longest tensor name or metadata key, in Java chars (UTF-16 code units): 1,024. */
    public static final int MAX_NAME_CHARS = 1024;
    /** Longest metadata value, in Java chars (UTF-16 code units): 1,048,576. */
    public static final int MAX_METADATA_VALUE_CHARS = 1 << 20;
    /** Most entries in the {@code __metadata__} object (1,024). */
    public static final int MAX_METADATA_ENTRIES = 1024;
    /** Bytes moved per read or write call; the only buffer beyond the tensors themselves. */
    private static final int CHUNK_BYTES = 64 * 1024;
    /**
     * Heap a loaded tensor costs beyond its values (the Tensor, its matrix, the map entries and
     * its stored entry), counted in the resource check.
     */
    private static final long TENSOR_OVERHEAD_BYTES = 256;

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
     * {@code file} if it exists (keeping its permissions). A type narrower than F64 rounds each
     * value to nearest. Every argument is checked, the format limits included, before any file is
     * touched.
     *
     * @throws IllegalArgumentException if an argument is null, or a tensor's name is null, empty or
     *     {@code __metadata__}, or a tensor or a metadata key or value is null, or a name, key or
     *     value holds an unpaired surrogate (not encodable in UTF-8), or {@code options} name as
     *     rank 1 a tensor that is absent or not 1 x n, or a format limit would be exceeded (more
     *     than {@link #MAX_TENSORS} tensors or {@link #MAX_METADATA_ENTRIES} metadata entries, a
     *     name or key over {@link #MAX_NAME_CHARS}, a value over {@link #MAX_METADATA_VALUE_CHARS},
     *     a header over {@link #MAX_HEADER_BYTES}); the message names the tensor or key and the limit
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
        if (tensors.size() > MAX_TENSORS) {
            throw new IllegalArgumentException("Safetensors.write: " + tensors.size() + " tensors, over the limit of "
                    + MAX_TENSORS + " (Safetensors.MAX_TENSORS)");
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(SafetensorsHeader.METADATA) || e.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: bad entry '" + name + "' -> " + e.getValue()
                        + " (a tensor needs a non-empty name other than " + SafetensorsHeader.METADATA + ")");
            }
            checkString("tensor name", name, MAX_NAME_CHARS, "MAX_NAME_CHARS");
        }
        if (metadata.size() > MAX_METADATA_ENTRIES) {
            throw new IllegalArgumentException("Safetensors.write: " + metadata.size() + " metadata entries, over the limit of "
                    + MAX_METADATA_ENTRIES + " (Safetensors.MAX_METADATA_ENTRIES)");
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: metadata entry '" + e.getKey() + "' -> '"
                        + e.getValue() + "' has a null key or value");
            }
            checkString("metadata key", e.getKey(), MAX_NAME_CHARS, "MAX_NAME_CHARS");
            checkString("metadata value for '" + SafetensorsHeader.shortened(e.getKey()) + "'", e.getValue(),
                    MAX_METADATA_VALUE_CHARS, "MAX_METADATA_VALUE_CHARS");
        }
        byte[] json = SafetensorsHeader.encode(tensors, metadata, options);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path target = file.toAbsolutePath();
        SaveFiles.removeStale(target);
        try (SaveFiles.Temp tmp = SaveFiles.create(target)) {
            writeFully(tmp.channel, head);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors.values()) writeValues(tmp.channel, t.toFlatArray(), options.dtype(), chunk);
            tmp.channel.force(true);
            tmp.moveOver(target);
        }
    }

    /**
     * The tensors (in header order) and metadata of a file. Stale temporary files of earlier saves
     * of the same file, killed part-way, are removed first.
     *
     * @throws CheckpointResourceException (a {@link CheckpointFormatException}) naming the file and
     *     the bytes needed and available if the tensors do not fit the heap left; nothing is then
     *     allocated for them
     * @throws CheckpointFormatException (an {@link IOException}) naming the file and the tensor if
     *     the file is truncated, oversized or malformed, or exceeds a format limit
     * @throws IOException if the file cannot be read
     */
    public static NamedTensors read(Path file) throws IOException {
        String name = String.valueOf(file.getFileName());
        SaveFiles.removeStale(file.toAbsolutePath());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Layout layout = layout(ch, name);
            SafetensorsHeader header = layout.header();
            requireHeap(name, header);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            List<StoredTensor> stored = new ArrayList<>(header.entries.size());
            for (SafetensorsHeader.Entry e : header.entries) {
                stored.add(e.stored());
                if (e.dtype() == null) continue; // skipped: PyTorch's step counter
                double[] d = new double[e.rows() * e.cols()];
                readValues(ch, layout.dataStart() + e.begin(), e.dtype(), d, chunk, name);
                tensors.put(e.name(), Tensor.of(e.rows(), e.cols(), d));
            }
            return new NamedTensors(tensors, header.metadata, stored);
        }
    }

    /**
     * The metadata of a file, its header checked as {@link #read(Path)} checks it but no tensor
     * read: what a tool needs to decide how to load a file (or whether it fits) before paying for
     * its tensors.
     *
     * @throws CheckpointFormatException (an {@link IOException}) naming the file and the tensor if
     *     the header is truncated, oversized or malformed, or exceeds a format limit
     * @throws IOException if the file cannot be read
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return layout(ch, String.valueOf(file.getFileName())).header().metadata;
        }
    }

    /** A checked header, every entry placed in the data section, which starts at byte {@code dataStart}. */
    private record Layout(SafetensorsHeader header, long dataStart) {
    }

    /** The checked header of the file open on {@code ch}. */
    private static Layout layout(FileChannel ch, String name) throws IOException {
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
                    + MAX_HEADER_BYTES + " bytes (Safetensors.MAX_HEADER_BYTES)");
        }
        if (n > size - 8) {
            throw SafetensorsHeader.bad(name, "header length " + n + " exceeds the " + (size - 8)
                    + " bytes after the length field (truncated or not a safetensors file)");
        }
        if (n < 2) throw SafetensorsHeader.bad(name, "header length " + n + " is too small for a JSON object");
        ByteBuffer first = ByteBuffer.allocate(1);
        readFully(ch, 8, first, name);
        if (first.get(0) != '{') throw SafetensorsHeader.bad(name, "header does not start with '{'");
        Reader json = new InputStreamReader(new RegionInput(ch, 8, n, name), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
        return new Layout(SafetensorsHeader.parse(name, json, size - 8 - n), 8 + n);
    }

    /**
     * Refuses the file if its tensors would not fit the heap left, with a sixteenth of the maximum
     * heap kept free for the allocation itself and what runs beside it. Tensor.of copies the array
     * it is given, so the largest tensor is counted twice. The estimate counts uncollected garbage
     * as used; a refusal is therefore checked once more after a collection, so that garbage alone
     * never refuses a file that fits.
     */
    private static void requireHeap(String file, SafetensorsHeader header) throws CheckpointResourceException {
        long needed = 0, largest = 0;
        int count = 0;
        for (SafetensorsHeader.Entry e : header.entries) {
            if (e.dtype() == null) continue;
            long bytes = (long) e.rows() * e.cols() * Double.BYTES;
            needed += bytes + TENSOR_OVERHEAD_BYTES;
            largest = Math.max(largest, bytes);
            count++;
        }
        needed += largest;
        long headroom = Heap.max() / 16;
        if (needed <= Heap.available() - headroom) return;
        System.gc();
        long available = Math.max(0, Heap.available() - headroom);
        if (needed > available) throw new CheckpointResourceException(file, count, needed, available, Heap.max());
    }

    /** The writer refuses what the reader would: strings too long or not encodable in UTF-8. */
    private static void checkString(String what, String s, int limit, String limitName) {
        if (s.length() > limit) {
            throw new IllegalArgumentException("Safetensors.write: " + what + " '" + SafetensorsHeader.shortened(s) + "' is "
                    + s.length() + " characters, over the limit of " + limit + " (Safetensors." + limitName + ")");
        }
        int at = SafetensorsHeader.loneSurrogate(s);
        if (at >= 0) {
            throw new IllegalArgumentException("Safetensors.write: " + what + " '" + s + "' has an unpaired surrogate at index "
                    + at + ", which UTF-8 cannot encode");
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

    /**
     * {@code length} bytes of a channel from {@code start}, read in place (the decoder reading it
     * buffers 8 KiB); a file that ends first (shrunk while being read) is a format error.
     */
    private static final class RegionInput extends InputStream {
        private final FileChannel ch;
        private final long end;
        private final String file;
        private long pos;

        RegionInput(FileChannel ch, long start, long length, String file) {
            this.ch = ch;
            this.pos = start;
            this.end = start + length;
            this.file = file;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= end) return -1;
            int r = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
            if (r < 0) throw SafetensorsHeader.bad(file, "ends early at byte " + pos + " (truncated while reading?)");
            pos += r;
            return r;
        }
    }
}
