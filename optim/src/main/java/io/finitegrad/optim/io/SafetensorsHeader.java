package io.finitegrad.optim.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file: built from named tensors for writing, and parsed from
 * untrusted bytes for reading, where every entry is checked against the data section before any
 * tensor memory is allocated.
 */
final class SafetensorsHeader {
    static final String METADATA = "__metadata__";
    private static final String READS = "F64, F32, F16 and BF16";
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Integer types finitegrad refuses to load; only I64 {@code *num_batches_tracked} is skipped. */
    private static final Map<String, Integer> INTEGER_BYTES = Map.of("BOOL", 1, "U8", 1, "I8", 1, "I16", 2, "U16", 2,
            "I32", 4, "U32", 4, "I64", 8, "U64", 8);
    private static final String SKIPPED_SUFFIX = "num_batches_tracked";

    /**
     * One tensor's place in the data section, offsets relative to its start; a skipped entry
     * (PyTorch's counter) has a null dtype and is not loaded.
     */
    record Entry(StoredTensor stored, DType dtype, int rows, int cols, long begin, long end) {
        String name() {
            return stored.name();
        }
    }

    /** The entries in header order and the string metadata. */
    final List<Entry> entries;
    final Map<String, String> metadata;

    private SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {
        this.entries = Collections.unmodifiableList(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * The header of {@code tensors} (laid out in map order) and {@code metadata}, as UTF-8 JSON, in
     * the layout {@code options} ask for (already checked by the caller).
     */
    static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata, WriteOptions options) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", options.dtype().name());
            if (options.rank1().contains(e.getKey())) info.putArray("shape").add(t.cols());
            else info.putArray("shape").add(t.rows()).add(t.cols());
            long bytes = (long) t.size() * options.dtype().bytes();
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        try {
            return JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            // Safetensors.write has checked that every string is encodable, so this cannot happen
            throw new IllegalStateException("safetensors header could not be written", e);
        }
    }

    /**
     * Parses and checks header bytes of a file whose data section has {@code dataLen} bytes.
     *
     * @throws CheckpointFormatException naming {@code file} and the tensor for any malformed header
     */
    static SafetensorsHeader parse(String file, ByteBuffer bytes, long dataLen) throws CheckpointFormatException {
        if (bytes.get(0) != '{') throw bad(file, "header does not start with '{'");
        String json;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            json = cb.toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw bad(file, "header is not a JSON object");
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (f.getKey().equals(METADATA)) readMetadata(file, f.getValue(), metadata);
            else entries.add(entry(file, f.getKey(), f.getValue(), dataLen));
        }
        checkCoverage(file, entries, dataLen);
        return new SafetensorsHeader(entries, metadata);
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
        JsonNode dtypeNode = info.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw bad(file, t + ": dtype is missing or not a string");
        String dtypeName = dtypeNode.textValue();
        DType dtype = DType.named(dtypeName);
        boolean skipped = dtype == null && dtypeName.equals("I64") && name.endsWith(SKIPPED_SUFFIX);
        int elementBytes;
        if (dtype != null) elementBytes = dtype.bytes();
        else if (skipped) elementBytes = INTEGER_BYTES.get(dtypeName);
        else if (INTEGER_BYTES.containsKey(dtypeName)) {
            throw bad(file, t + ": dtype " + dtypeName + " is an integer type, which finitegrad does not load (it reads "
                    + READS + "; only PyTorch's I64 *" + SKIPPED_SUFFIX + " counter is skipped)");
        } else throw bad(file, t + ": dtype " + dtypeName + " is not supported (finitegrad reads " + READS + ")");
        JsonNode shape = info.get("shape");
        if (shape == null || !shape.isArray() || shape.size() > 2) {
            throw bad(file, t + ": shape " + shape + " must be an array of rank 0, 1 or 2 ([], [n] or [rows, cols])");
        }
        List<Long> dims = new ArrayList<>(shape.size());
        for (JsonNode d : shape) dims.add(dim(file, t, d));
        long rows = dims.size() == 2 ? dims.get(0) : 1;
        long cols = dims.isEmpty() ? 1 : dims.get(dims.size() - 1);
        long elements = rows * cols; // both < 2^31, so no long overflow
        if (elements == 0) {
            throw bad(file, t + " (" + dtypeName + ", shape " + shape + ") is 0-sized; finitegrad has no empty tensors");
        }
        // the loaded tensor is a double[], and its bytes must fit a Java array as well
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
        if (end - begin != elements * elementBytes) {
            throw bad(file, t + ": shape " + shape + " needs " + elements * elementBytes + " bytes of " + dtypeName
                    + " but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(new StoredTensor(name, dtypeName, dims, skipped), dtype, (int) rows, (int) cols, begin, end);
    }

    private static long dim(String file, String t, JsonNode v) throws CheckpointFormatException {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw bad(file, t + ": dimension " + v + " must be a non-negative integer below 2^31");
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

    /** The tensors must tile the data section exactly: no gap, no overlap, no trailing bytes. */
    private static void checkCoverage(String file, List<Entry> entries, long dataLen) throws CheckpointFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin < at) throw bad(file, "tensor '" + e.name() + "' overlaps the previous tensor at byte " + e.begin);
            if (e.begin > at) throw bad(file, "gap in the data section: bytes [" + at + ", " + e.begin + ") belong to no tensor");
            at = e.end;
        }
        if (at != dataLen) {
            throw bad(file, "the data section is " + dataLen + " bytes but the tensors cover " + at
                    + " (trailing bytes, or a truncated file)");
        }
    }

    static CheckpointFormatException bad(String file, String what) {
        return new CheckpointFormatException(file + ": " + what);
    }
}
