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
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** One tensor's place in the data section, offsets relative to its start. */
    record Entry(String name, DType dtype, int rows, int cols, long begin, long end) {
    }

    /** The entries in header order and the string metadata. */
    final List<Entry> entries;
    final Map<String, String> metadata;

    private SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {
        this.entries = Collections.unmodifiableList(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** The header of F64 {@code tensors} (laid out in map order) and {@code metadata}, as UTF-8 JSON. */
    static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", DType.F64.name());
            info.putArray("shape").add(t.rows()).add(t.cols());
            long bytes = (long) t.size() * Double.BYTES;
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
        DType dtype = DType.named(dtypeNode.textValue());
        if (dtype == null) {
            throw bad(file, t + ": dtype " + dtypeNode.textValue() + " is not supported (finitegrad reads F64 and F32)");
        }
        JsonNode shape = info.get("shape");
        if (shape == null || !shape.isArray() || shape.size() != 2) {
            throw bad(file, t + ": shape " + shape + " must be 2-D [rows, cols]");
        }
        long rows = dim(file, t, shape.get(0));
        long cols = dim(file, t, shape.get(1));
        long elements = rows * cols; // both <= Integer.MAX_VALUE, so no long overflow
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
        if (end - begin != elements * dtype.bytes) {
            throw bad(file, t + ": shape " + shape + " needs " + elements * dtype.bytes + " bytes of " + dtype
                    + " but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, dtype, (int) rows, (int) cols, begin, end);
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

    /** The tensors must tile the data section exactly: no gap, no overlap, no trailing bytes. */
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

    static CheckpointFormatException bad(String file, String what) {
        return new CheckpointFormatException(file + ": " + what);
    }
}
