package io.finitegrad.optim.io;

import io.finitegrad.core.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The contents of a safetensors file: tensors by name, in header order, and the free-form string
 * metadata (the {@code __metadata__} entry). Immutable: both maps are unmodifiable copies and
 * {@link Tensor} is itself immutable.
 *
 * @param tensors the tensors by name, in order
 * @param metadata the string metadata, empty if the file has none
 */
public record NamedTensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
    /**
     * Copies both maps, keeping their order.
     *
     * @throws IllegalArgumentException if a map, a name, a tensor, a metadata key or value is null
     */
    public NamedTensors {
        if (tensors == null || metadata == null) {
            throw new IllegalArgumentException("NamedTensors: tensors and metadata must not be null");
        }
        tensors = Collections.unmodifiableMap(copy("tensor", tensors));
        metadata = Collections.unmodifiableMap(copy("metadata", metadata));
    }

    private static <V> Map<String, V> copy(String what, Map<String, V> in) {
        Map<String, V> out = new LinkedHashMap<>();
        for (Map.Entry<String, V> e : in.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("NamedTensors: " + what + " entry '" + e.getKey() + "' -> "
                        + e.getValue() + " has a null name or value");
            }
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
