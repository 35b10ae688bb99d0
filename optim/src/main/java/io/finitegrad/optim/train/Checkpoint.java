package io.finitegrad.optim.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and loads named tensors in the safetensors format (Hugging Face): an 8-byte little-endian
 * unsigned header length N, N bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F64", "shape": [rows, cols], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {...}}} (space-padded to a multiple of 8), then the raw little-endian F64 data,
 * offsets relative to the start of the data section. Files written here load in Python with
 * {@code safetensors.numpy.load_file}.
 *
 * <p>Writes are atomic: a temporary file in the same directory, forced to disk, then renamed over
 * the target with {@code ATOMIC_MOVE}, so a crash never leaves a half-written checkpoint.
 *
 * <p>Loading trusts nothing: the header length is checked against the real file size (and a 100 MB
 * cap) before anything is allocated, the header must be strict UTF-8 JSON without duplicate keys,
 * only F64 2-D tensors with positive dimensions are accepted, each tensor's byte length must equal
 * rows * cols * 8 (computed without overflow), and the offsets must lie in the data section and
 * cover it exactly, without gaps or overlaps. Values are not checked (NaN and -0.0 round-trip bit
 * for bit), except by {@link #loadModel}, which refuses non-finite weights.
 *
 * @throws CheckpointFormatException (an {@link IOException}) for any malformed or ill-fitting file
 * @throws IOException when the file cannot be read or written
 */
public final class Checkpoint {
    /** Largest header accepted, as the reference implementation's cap. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String METADATA = "__metadata__";
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Checkpoint() {
    }

    /** The tensors and the free-form string metadata of a file. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    /** Saves {@code tensors} (in map order) without metadata. */
    public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
        save(file, tensors, Map.of());
    }

    /** Saves {@code tensors} (in map order) and string {@code metadata} (the {@code __metadata__} entry). */
    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        if (file == null || tensors == null || metadata == null) {
            throw new IllegalArgumentException("Checkpoint.save: file, tensors and metadata must not be null");
        }
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.isEmpty() || name.equals(METADATA) || t == null) {
                throw new IllegalArgumentException("Checkpoint.save: bad entry '" + name + "' -> " + t);
            }
            ObjectNode info = header.putObject(name);
            info.put("dtype", "F64");
            info.putArray("shape").add(t.rows()).add(t.cols());
            long bytes = (long) t.size() * Double.BYTES;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach((k, v) -> meta.put(k, v));
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                ByteBuffer b = ByteBuffer.allocate(8192 * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors.values()) {
                    for (double x : t.toFlatArray()) {
                        if (!b.hasRemaining()) {
                            b.flip();
                            writeFully(ch, b);
                            b.clear();
                        }
                        b.putLong(Double.doubleToRawLongBits(x));
                    }
                }
                b.flip();
                writeFully(ch, b);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The tensors of a file, in header order. */
    public static Map<String, Tensor> load(Path file) throws IOException {
        return read(file).tensors();
    }

    /** The tensors and metadata of a file. */
    public static Contents read(Path file) throws IOException {
        String name = String.valueOf(file.getFileName());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(name, "is " + size + " bytes, too short for the 8-byte header length (truncated or not a safetensors file)");
            }
            ByteBuffer lenBuf = readAt(ch, 0, 8, name).order(ByteOrder.LITTLE_ENDIAN);
            long n = lenBuf.getLong();
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw bad(name, "header length " + Long.toUnsignedString(n) + " exceeds the cap of " + MAX_HEADER_BYTES + " bytes");
            }
            if (n > size - 8) {
                throw bad(name, "header length " + n + " exceeds the " + (size - 8)
                        + " bytes after the length field (truncated or not a safetensors file)");
            }
            if (n < 2) throw bad(name, "header length " + n + " is too small for a JSON object");
            ByteBuffer hb = readAt(ch, 8, (int) n, name);
            if (hb.get(0) != '{') throw bad(name, "header does not start with '{'");
            String json;
            try {
                CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb);
                json = cb.toString();
            } catch (CharacterCodingException e) {
                throw bad(name, "header is not valid UTF-8");
            }
            JsonNode root;
            try {
                root = JSON.readTree(json);
            } catch (JsonProcessingException e) {
                throw new CheckpointFormatException(name + ": header is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) throw bad(name, "header is not a JSON object");
            long dataLen = size - 8 - n;
            List<Entry> entries = new ArrayList<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> f : root.properties()) {
                if (f.getKey().equals(METADATA)) readMetadata(name, f.getValue(), metadata);
                else entries.add(entry(name, f.getKey(), f.getValue(), dataLen));
            }
            checkCoverage(name, entries, dataLen);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                ByteBuffer b = readAt(ch, 8 + n + e.begin, (int) (e.end - e.begin), name).order(ByteOrder.LITTLE_ENDIAN);
                double[] d = new double[e.rows * e.cols];
                for (int i = 0; i < d.length; i++) d[i] = Double.longBitsToDouble(b.getLong());
                tensors.put(e.name, Tensor.of(e.rows, e.cols, d));
            }
            return new Contents(tensors, metadata);
        }
    }

    /** Saves a layer's (or network's) parameters and buffers by name (e.g. {@code dense1/W}). */
    public static void saveModel(Path file, Layer model) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Var> e : stateOf(model).entrySet()) out.put(e.getKey(), e.getValue().value());
        save(file, out, Map.of("format", "finitegrad", "model", model.getClass().getSimpleName()));
    }

    /**
     * Loads a checkpoint into a layer's parameters and buffers, in place, by name. Every name must
     * be present with the same shape, no name may be unexpected, and every value must be finite;
     * otherwise nothing is changed and the exception lists every problem.
     */
    public static void loadModel(Path file, Layer model) throws IOException {
        Map<String, Tensor> saved = load(file);
        Map<String, Var> state = stateOf(model);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Var> e : state.entrySet()) {
            Tensor t = saved.get(e.getKey());
            Var p = e.getValue();
            if (t == null) problems.add("missing '" + e.getKey() + "' (" + p.shape() + ")");
            else if (t.rows() != p.rows() || t.cols() != p.cols()) {
                problems.add("'" + e.getKey() + "' is " + t.shape() + " in the file but " + p.shape() + " in the model");
            } else if (!t.isFinite()) {
                problems.add("'" + e.getKey() + "' holds NaN/Inf (" + t.scan() + "): was it saved after training diverged?");
            }
        }
        for (String k : saved.keySet()) if (!state.containsKey(k)) problems.add("unexpected '" + k + "'");
        if (!problems.isEmpty()) {
            throw new CheckpointFormatException(file.getFileName() + " does not fit " + model.getClass().getSimpleName()
                    + ": " + String.join("; ", problems) + ". The model has " + state.keySet() + ", the file has " + saved.keySet());
        }
        for (Map.Entry<String, Var> e : state.entrySet()) {
            double[] d = saved.get(e.getKey()).toFlatArray();
            System.arraycopy(d, 0, e.getValue().data().data, 0, d.length);
        }
    }

    private static Map<String, Var> stateOf(Layer model) {
        List<Var> all = new ArrayList<>(model.parameters());
        all.addAll(model.buffers());
        Map<String, Var> out = new LinkedHashMap<>();
        for (Var v : all) {
            Var prev = out.putIfAbsent(v.name(), v);
            if (prev != null && prev != v) {
                throw new IllegalStateException("Checkpoint: two tensors of the model are both named '" + v.name() + "'");
            }
        }
        return out;
    }

    private record Entry(String name, int rows, int cols, long begin, long end) {
    }

    private static Entry entry(String file, String name, JsonNode info, long dataLen) throws CheckpointFormatException {
        String t = "tensor '" + name + "'";
        if (!info.isObject()) throw bad(file, t + ": entry is not an object");
        for (Map.Entry<String, JsonNode> field : info.properties()) {
            String k = field.getKey();
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw bad(file, t + ": unknown field '" + k + "'");
            }
        }
        JsonNode dtype = info.get("dtype");
        if (dtype == null || !dtype.isTextual()) throw bad(file, t + ": dtype is missing or not a string");
        if (!dtype.textValue().equals("F64")) {
            throw bad(file, t + ": dtype " + dtype.textValue() + " is not supported (finitegrad stores F64 only)");
        }
        JsonNode shape = info.get("shape");
        if (shape == null || !shape.isArray() || shape.size() != 2) {
            throw bad(file, t + ": shape " + shape + " must be 2-D [rows, cols]");
        }
        long rows = dim(file, t, shape.get(0));
        long cols = dim(file, t, shape.get(1));
        long elements = rows * cols; // both <= Integer.MAX_VALUE, so no long overflow
        if (elements > Integer.MAX_VALUE / Double.BYTES) {
            throw bad(file, t + ": shape " + shape + " is too large (" + elements + " elements)");
        }
        JsonNode off = info.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw bad(file, t + ": data_offsets " + off + " must be [begin, end]");
        }
        long begin = offset(file, t, off.get(0)), end = offset(file, t, off.get(1));
        if (begin > end || end > dataLen) {
            throw bad(file, t + ": data_offsets [" + begin + ", " + end + "] are not within the data section of "
                    + dataLen + " bytes (truncated file?)");
        }
        if (end - begin != elements * Double.BYTES) {
            throw bad(file, t + ": shape " + shape + " needs " + elements * Double.BYTES + " bytes of F64 but data_offsets ["
                    + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, (int) rows, (int) cols, begin, end);
    }

    private static long dim(String file, String t, JsonNode v) throws CheckpointFormatException {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
            throw bad(file, t + ": dimension " + v + " must be a positive integer below 2^31");
        }
        return v.intValue();
    }

    private static long offset(String file, String t, JsonNode v) throws CheckpointFormatException {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw bad(file, t + ": data offset " + v + " must be a non-negative integer");
        }
        return v.longValue();
    }

    private static void readMetadata(String file, JsonNode m, Map<String, String> into) throws CheckpointFormatException {
        if (!m.isObject()) throw bad(file, METADATA + " must be an object of strings");
        for (Map.Entry<String, JsonNode> e : m.properties()) {
            if (!e.getValue().isTextual()) throw bad(file, METADATA + " value for '" + e.getKey() + "' is not a string");
            into.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static void checkCoverage(String file, List<Entry> entries, long dataLen) throws CheckpointFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin < at) throw bad(file, "tensor '" + e.name + "' overlaps the previous tensor at byte " + e.begin);
            if (e.begin > at) throw bad(file, "gap in the data section: bytes [" + at + ", " + e.begin + ") belong to no tensor");
            at = e.end;
        }
        if (at != dataLen) {
            throw bad(file, "the data section is " + dataLen + " bytes but the tensors cover " + at
                    + " (trailing bytes, or a truncated file)");
        }
    }

    private static ByteBuffer readAt(FileChannel ch, long pos, int len, String file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) throw bad(file, "ends early at byte " + (pos + b.position()) + " (truncated while reading?)");
        }
        b.flip();
        return b;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static CheckpointFormatException bad(String file, String what) {
        return new CheckpointFormatException(file + ": " + what);
    }
}
