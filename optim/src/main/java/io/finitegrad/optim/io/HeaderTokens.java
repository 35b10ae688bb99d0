package io.finitegrad.optim.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of an untrusted safetensors header, read one at a time so that the header is never
 * held whole: every string is bounded while it is being read (Jackson's stream constraints set to
 * the format limits), so a 40 MB name is refused after its first megabyte, not built. Turns
 * Jackson's and the UTF-8 decoder's failures into {@link CheckpointFormatException}s naming the
 * file and what was being read.
 */
final class HeaderTokens implements AutoCloseable {
    /** Longest number literal (digits) accepted; a dimension or offset has at most 20. */
    static final int MAX_NUMBER_CHARS = 100;
    /** Deepest nesting read; a valid header nests 3 deep (header, entry, shape). */
    private static final int MAX_DEPTH = 8;
    /** Array elements kept to show in messages; a valid shape or data_offsets has at most 2. */
    private static final int SHOWN = 8;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // names are not kept in a symbol table: a million distinct names would all stay there
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNameLength(Safetensors.MAX_NAME_CHARS)
                    .maxStringLength(Safetensors.MAX_METADATA_VALUE_CHARS)
                    .maxNumberLength(MAX_NUMBER_CHARS)
                    .maxNestingDepth(MAX_DEPTH)
                    .build())
            .build();

    /** A scalar value as read: its text as the header shows it, and its string or integer if it is one. */
    record Value(String shown, String string, Long integer) {
    }

    /** An array as read: its length, its first elements, and how it shows in a message. */
    record Array(int length, List<Value> first, String shown) {
    }

    private final String file;
    private final JsonParser parser;

    HeaderTokens(String file, Reader json) throws CheckpointFormatException {
        this.file = file;
        try {
            this.parser = JSON.createParser(json);
        } catch (IOException e) {
            throw new CheckpointFormatException(file + ": header could not be read: " + e.getMessage(), e);
        }
    }

    /**
     * The next token, {@code reading} saying what it should be, for the message if a limit or the
     * syntax is broken: "a ..." where a name is expected ("a tensor name"), "the ..." where a value
     * is ("the dtype of tensor 'w'").
     */
    JsonToken next(String reading) throws CheckpointFormatException {
        try {
            return parser.nextToken();
        } catch (IOException e) {
            throw failure(e, reading);
        }
    }

    /** The current name or string, checked against the limits Jackson counts in the same chars. */
    String text(String reading) throws CheckpointFormatException {
        try {
            return parser.getText();
        } catch (IOException e) {
            throw failure(e, reading);
        }
    }

    /** The scalar or structure at the current token, a structure skipped and shown as {@code {...}} or {@code [...]}. */
    Value value(JsonToken t, String reading) throws CheckpointFormatException {
        switch (t) {
            case VALUE_STRING: {
                String s = text(reading);
                return new Value("\"" + SafetensorsHeader.shortened(s) + "\"", s, null);
            }
            case VALUE_NUMBER_INT: {
                String digits = text(reading);
                Long n = null;
                try {
                    JsonParser.NumberType type = parser.getNumberType();
                    if (type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG) n = parser.getLongValue();
                } catch (IOException e) {
                    throw new CheckpointFormatException(file + ": header number " + digits + " could not be read", e);
                }
                return new Value(digits, null, n);
            }
            case START_OBJECT:
            case START_ARRAY:
                skip(reading);
                return new Value(t == JsonToken.START_OBJECT ? "{...}" : "[...]", null, null);
            default:
                return new Value(text(reading), null, null);
        }
    }

    /** The array starting at the current token, its first {@value #SHOWN} elements kept. */
    Array array(String reading) throws CheckpointFormatException {
        List<Value> first = new ArrayList<>(2);
        StringBuilder shown = new StringBuilder("[");
        int length = 0;
        for (JsonToken t = next(reading); t != JsonToken.END_ARRAY; t = next(reading)) {
            if (t == null) throw SafetensorsHeader.bad(file, "header is not valid JSON: it ends inside " + reading);
            Value v = value(t, reading);
            if (length < SHOWN) {
                first.add(v);
                shown.append(length == 0 ? "" : ",").append(v.shown());
            }
            length++;
        }
        if (length > SHOWN) shown.append(",... (").append(length).append(" elements)");
        return new Array(length, first, shown.append(']').toString());
    }

    private void skip(String reading) throws CheckpointFormatException {
        try {
            parser.skipChildren();
        } catch (IOException e) {
            throw failure(e, reading);
        }
    }

    /** What went wrong under the parser, as a format error (a file cut short while read stays as it is). */
    private CheckpointFormatException failure(IOException e, String reading) {
        if (e instanceof StreamConstraintsException) return overLimit(reading, (StreamConstraintsException) e);
        if (e instanceof CharacterCodingException) return SafetensorsHeader.bad(file, "header is not valid UTF-8");
        if (e instanceof JsonProcessingException) {
            return new CheckpointFormatException(file + ": header is not valid JSON: "
                    + ((JsonProcessingException) e).getOriginalMessage(), e);
        }
        if (e instanceof CheckpointFormatException) return (CheckpointFormatException) e;
        return new CheckpointFormatException(file + ": header could not be read: " + e.getMessage(), e);
    }

    /**
     * Which limit Jackson enforced, from its message: a long name also first trips the string
     * length (the buffer grows before the name is complete), so within a name it is the name limit.
     */
    private CheckpointFormatException overLimit(String reading, StreamConstraintsException e) {
        String jackson = String.valueOf(e.getOriginalMessage());
        boolean name = reading.startsWith("a ");
        String limit;
        if (jackson.startsWith("Number")) limit = "a number longer than " + MAX_NUMBER_CHARS + " characters";
        else if (jackson.contains("nesting")) limit = "nesting deeper than " + MAX_DEPTH + " levels";
        else if (name || jackson.startsWith("Name")) {
            limit = "a name longer than the limit of " + Safetensors.MAX_NAME_CHARS + " characters (Safetensors.MAX_NAME_CHARS)";
        } else {
            limit = "a string longer than the limit of " + Safetensors.MAX_METADATA_VALUE_CHARS
                    + " characters (Safetensors.MAX_METADATA_VALUE_CHARS)";
        }
        // a value's token has begun where it starts; a name's has not, so its place is not known
        String at = name ? "" : " at character " + parser.currentTokenLocation().getCharOffset();
        return new CheckpointFormatException(file + ": header has " + limit + at + ", in " + reading, e);
    }

    @Override
    public void close() {
        try {
            parser.close();
        } catch (IOException e) {
            // the source is the caller's channel, closed by the caller; nothing was written
        }
    }
}
