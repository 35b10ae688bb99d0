package io.finitegrad.optim.io;

import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contents of a safetensors file: tensors by name, in header order, the free-form string
 * metadata (the {@code __metadata__} entry), and every header entry as stored (dtype and shape as
 * the file declares them, skipped entries included). Immutable: the maps and the list are
 * unmodifiable copies and {@link Tensor} is itself immutable.
 *
 * @param tensors the loaded tensors by name, in order
 * @param metadata the string metadata, empty if the file has none
 * @param stored every header entry in header order, including those not loaded
 */
public record NamedTensors(Map<String, Tensor> tensors, Map<String, String> metadata, List<StoredTensor> stored) {
    /**
     * Copies the maps and the list, keeping their order.
     *
     * @throws IllegalArgumentException if a map, the list, a name, a tensor, a metadata key or value
     *     or a stored entry is null
     */
    public NamedTensors {
        if (tensors == null || metadata == null || stored == null) {
            throw new IllegalArgumentException("NamedTensors: tensors, metadata and stored must not be null");
        }
        tensors = Collections.unmodifiableMap(copy("tensor", tensors));
        metadata = Collections.unmodifiableMap(copy("metadata", metadata));
        List<StoredTensor> s = new ArrayList<>(stored.size());
        for (StoredTensor t : stored) {
            if (t == null) throw new IllegalArgumentException("NamedTensors: a stored entry is null");
            s.add(t);
        }
        stored = Collections.unmodifiableList(s);
    }

    /**
     * Tensors and metadata as they would be written by default: each stored entry is F64
     * {@code [rows, cols]}, none skipped.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public NamedTensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
        this(tensors, metadata, asStored(tensors));
    }

    private static List<StoredTensor> asStored(Map<String, Tensor> tensors) {
        if (tensors == null) return null; // the canonical constructor names the problem
        List<StoredTensor> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) return out; // copy() names the bad entry
            out.add(new StoredTensor(e.getKey(), DType.F64.name(),
                    List.of((long) e.getValue().rows(), (long) e.getValue().cols()), false));
        }
        return out;
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
