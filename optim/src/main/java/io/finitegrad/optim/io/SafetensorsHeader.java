package io.finitegrad.optim.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;
import io.finitegrad.core.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
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
    private static final JsonFactory JSON = new JsonFactory();

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
     * the layout {@code options} ask for (already checked by the caller, names and strings within
     * the limits).
     *
     * @throws IllegalArgumentException if the header would exceed {@link Safetensors#MAX_HEADER_BYTES}
     */
    static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata, WriteOptions options) {
        Capped out = new Capped();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("dtype", options.dtype().name());
                g.writeArrayFieldStart("shape");
                if (!options.rank1().contains(e.getKey())) g.writeNumber(t.rows());
                g.writeNumber(t.cols());
                g.writeEndArray();
                long bytes = (long) t.size() * options.dtype().bytes();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + bytes);
                g.writeEndArray();
                g.writeEndObject();
                offset += bytes;
            }
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart(METADATA);
                for (Map.Entry<String, String> e : metadata.entrySet()) g.writeStringField(e.getKey(), e.getValue());
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            // into memory, every string checked encodable by Safetensors.write: this cannot happen
            throw new IllegalStateException("safetensors header could not be written", e);
        }
        return out.toByteArray();
    }

    /** Header bytes in memory, refusing to grow past the limit (padding included). */
    private static final class Capped extends ByteArrayOutputStream {
        @Override
        public synchronized void write(byte[] b, int off, int len) {
            check(len);
            super.write(b, off, len);
        }

        @Override
        public synchronized void write(int b) {
            check(1);
            super.write(b);
        }

        private void check(int more) {
            if ((count + more + 7L) / 8 * 8 > Safetensors.MAX_HEADER_BYTES) {
                throw new IllegalArgumentException("Safetensors.write: the header would be over the limit of "
                        + Safetensors.MAX_HEADER_BYTES + " bytes (Safetensors.MAX_HEADER_BYTES): fewer or shorter names "
                        + "or metadata");
            }
        }
    }

    /**
     * Parses and checks the header {@code json} (decoded strictly from UTF-8 by the caller) of a file
     * whose data section has {@code dataLen} bytes, reading it token by token: nothing beyond the
     * entries themselves is kept, and the format limits are enforced as it goes.
     *
     * @throws CheckpointFormatException naming {@code file} and the tensor for any malformed header
     */
    static SafetensorsHeader parse(String file, Reader json, long dataLen) throws CheckpointFormatException {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (HeaderTokens in = new HeaderTokens(file, json)) {
            if (in.next("the header") != JsonToken.START_OBJECT) throw bad(file, "header is not a JSON object");
            for (JsonToken t = in.next("a tensor name"); t != JsonToken.END_OBJECT; t = in.next("a tensor name")) {
                if (t != JsonToken.FIELD_NAME) throw bad(file, "header is not valid JSON: it ends before its closing '}'");
                String name = in.text("a tensor name");
                if (name.equals(METADATA)) { // a second one is a duplicate key, refused by the parser
                    readMetadata(file, in, metadata);
                    continue;
                }
                if (entries.size() == Safetensors.MAX_TENSORS) {
                    throw bad(file, "header has more than " + Safetensors.MAX_TENSORS
                            + " tensors, the limit (Safetensors.MAX_TENSORS)");
                }
                checkName(file, "tensor name", name);
                entries.add(entry(file, name, in, dataLen));
            }
            JsonToken trailing = in.next("the end of the header");
            if (trailing != null) {
                throw bad(file, "header is not valid JSON: " + trailing.asString() + " after the header object");
            }
        }
        checkCoverage(file, entries, dataLen);
        return new SafetensorsHeader(entries, metadata);
    }

    /** A name the writer would have refused is refused here too: empty, too long, or with a lone surrogate. */
    private static void checkName(String file, String what, String name) throws CheckpointFormatException {
        if (what.startsWith("tensor") && name.isEmpty()) throw bad(file, "a tensor has an empty name ''");
        if (name.length() > Safetensors.MAX_NAME_CHARS) {
            throw bad(file, what + " '" + shortened(name) + "' is " + name.length() + " characters, over the limit of "
                    + Safetensors.MAX_NAME_CHARS + " (Safetensors.MAX_NAME_CHARS)");
        }
        checkSurrogates(file, what, name);
    }

    private static void checkSurrogates(String file, String what, String s) throws CheckpointFormatException {
        int at = loneSurrogate(s);
        if (at >= 0) {
            throw bad(file, what + " '" + shortened(s) + "' has an unpaired surrogate (\\u"
                    + Integer.toHexString(s.charAt(at)).toUpperCase(java.util.Locale.ROOT) + ") at index " + at
                    + ", which UTF-8 cannot encode (a JSON escape can name one; the writer refuses it)");
        }
    }

    /** The index of the first char of {@code s} that is half of a surrogate pair without its other half, or -1. */
    static int loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) return i;
        }
        return -1;
    }

    /** {@code s} for a message: at most 64 chars, lone surrogates shown as escapes. */
    static String shortened(String s) {
        String cut = s.length() <= 64 ? s : s.substring(0, 64) + "...";
        if (loneSurrogate(cut) < 0) return cut;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < cut.length() && Character.isLowSurrogate(cut.charAt(i + 1))) {
                b.append(c).append(cut.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
            } else b.append(c);
        }
        return b.toString();
    }

    /** One entry's fields, in any order, each read once; then checked in a fixed order, as the messages are. */
    private static Entry entry(String file, String name, HeaderTokens in, long dataLen) throws CheckpointFormatException {
        String t = "tensor '" + shortened(name) + "'";
        String reading = "the entry of " + t;
        if (in.next(reading) != JsonToken.START_OBJECT) throw bad(file, t + ": entry is not an object");
        HeaderTokens.Value dtype = null;
        HeaderTokens.Array shape = null, offsets = null;
        String shapeShown = "null", offsetsShown = "null";
        for (JsonToken f = in.next("a field name of " + t); f != JsonToken.END_OBJECT; f = in.next("a field name of " + t)) {
            String k = in.text("a field name of " + t);
            JsonToken v = in.next("the " + k + " of " + t);
            if (k.equals("dtype")) dtype = in.value(v, "the dtype of " + t);
            else if (k.equals("shape") || k.equals("data_offsets")) {
                HeaderTokens.Array a = null;
                String shown;
                if (v == JsonToken.START_ARRAY) {
                    a = in.array("the " + k + " of " + t);
                    shown = a.shown();
                } else shown = in.value(v, "the " + k + " of " + t).shown();
                if (k.equals("shape")) {
                    shape = a;
                    shapeShown = shown;
                } else {
                    offsets = a;
                    offsetsShown = shown;
                }
            } else throw bad(file, t + ": unknown field '" + shortened(k) + "'");
        }
        if (dtype == null || dtype.string() == null) throw bad(file, t + ": dtype is missing or not a string");
        String dtypeName = dtype.string();
        DType type = DType.named(dtypeName);
        boolean skipped = type == null && dtypeName.equals("I64") && name.endsWith(SKIPPED_SUFFIX);
        String shownType = shortened(dtypeName);
        int elementBytes;
        if (type != null) elementBytes = type.bytes();
        else if (skipped) elementBytes = INTEGER_BYTES.get(dtypeName);
        else if (INTEGER_BYTES.containsKey(dtypeName)) {
            throw bad(file, t + ": dtype " + dtypeName + " is an integer type, which finitegrad does not load (it reads "
                    + READS + "; only PyTorch's I64 *" + SKIPPED_SUFFIX + " counter is skipped)");
        } else throw bad(file, t + ": dtype " + shownType + " is not supported (finitegrad reads " + READS + ")");
        if (shape == null || shape.length() > 2) {
            throw bad(file, t + ": shape " + shapeShown + " must be an array of rank 0, 1 or 2 ([], [n] or [rows, cols])");
        }
        List<Long> dims = new ArrayList<>(shape.length());
        for (HeaderTokens.Value d : shape.first()) dims.add(dim(file, t, d));
        long rows = dims.size() == 2 ? dims.get(0) : 1;
        long cols = dims.isEmpty() ? 1 : dims.get(dims.size() - 1);
        long elements = rows * cols; // both < 2^31, so no long overflow
        if (elements == 0) {
            throw bad(file, t + " (" + dtypeName + ", shape " + shapeShown + ") is 0-sized; finitegrad has no empty tensors");
        }
        // the loaded tensor is a double[], and its bytes must fit a Java array as well
        if (elements > Integer.MAX_VALUE / Double.BYTES) {
            throw bad(file, t + ": shape " + shapeShown + " is too large (" + elements + " elements)");
        }
        if (offsets == null || offsets.length() != 2) {
            throw bad(file, t + ": data_offsets " + offsetsShown + " must be [begin, end]");
        }
        long begin = offset(file, t, offsets.first().get(0)), end = offset(file, t, offsets.first().get(1));
        if (begin > end || end > dataLen) {
            throw bad(file, t + ": data_offsets [" + begin + ", " + end + "] are not within the data section of "
                    + dataLen + " bytes (truncated file?)");
        }
        if (end - begin != elements * elementBytes) {
            throw bad(file, t + ": shape " + shapeShown + " needs " + elements * elementBytes + " bytes of " + dtypeName
                    + " but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(new StoredTensor(name, dtypeName, dims, skipped), type, (int) rows, (int) cols, begin, end);
    }

    private static long dim(String file, String t, HeaderTokens.Value v) throws CheckpointFormatException {
        Long n = v.integer();
        if (n == null || n < 0 || n > Integer.MAX_VALUE) {
            throw bad(file, t + ": dimension " + v.shown() + " must be a non-negative integer below 2^31");
        }
        return n;
    }

    private static long offset(String file, String t, HeaderTokens.Value v) throws CheckpointFormatException {
        Long n = v.integer();
        if (n == null || n < 0) throw bad(file, t + ": data offset " + v.shown() + " must be a non-negative integer");
        return n;
    }

    private static void readMetadata(String file, HeaderTokens in, Map<String, String> into) throws CheckpointFormatException {
        if (in.next("the value of " + METADATA) != JsonToken.START_OBJECT) {
            throw bad(file, METADATA + " must be an object of strings");
        }
        for (JsonToken t = in.next("a " + METADATA + " key"); t != JsonToken.END_OBJECT; t = in.next("a " + METADATA + " key")) {
            String key = in.text("a " + METADATA + " key");
            String reading = "the " + METADATA + " value for '" + shortened(key) + "'";
            if (into.size() == Safetensors.MAX_METADATA_ENTRIES) {
                throw bad(file, METADATA + " has more than " + Safetensors.MAX_METADATA_ENTRIES
                        + " entries, the limit (Safetensors.MAX_METADATA_ENTRIES)");
            }
            checkName(file, METADATA + " key", key);
            if (in.next(reading) != JsonToken.VALUE_STRING) {
                throw bad(file, METADATA + " value for '" + shortened(key) + "' is not a string");
            }
            String value = in.text(reading);
            if (value.length() > Safetensors.MAX_METADATA_VALUE_CHARS) {
                throw bad(file, METADATA + " value for '" + shortened(key) + "' is " + value.length()
                        + " characters, over the limit of " + Safetensors.MAX_METADATA_VALUE_CHARS
                        + " (Safetensors.MAX_METADATA_VALUE_CHARS)");
            }
            checkSurrogates(file, METADATA + " value for '" + shortened(key) + "'", value);
            into.put(key, value);
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
