package io.finitegrad.optim.io;

import java.util.Set;

/**
 * How {@link Safetensors#write(java.nio.file.Path, java.util.Map, java.util.Map, WriteOptions)}
 * lays tensors out: the element type of every tensor, and which 1 x n tensors are written as
 * rank-1 {@code [n]} (PyTorch's biases) instead of {@code [1, n]}.
 *
 * @param dtype the element type of every tensor; F32, F16 and BF16 round each value to nearest
 * @param rank1 names of tensors written with shape {@code [n]}; each must be a 1 x n tensor of the map
 */
public record WriteOptions(DType dtype, Set<String> rank1) {
    /** F64, every tensor 2-D: the native layout, bit for bit. */
    public static final WriteOptions DEFAULT = new WriteOptions(DType.F64, Set.of());

    /**
     * Copies the set.
     *
     * @throws IllegalArgumentException if the dtype, the set or a name in it is null
     */
    public WriteOptions {
        if (dtype == null || rank1 == null || rank1.stream().anyMatch(n -> n == null)) {
            throw new IllegalArgumentException("WriteOptions: dtype and rank1 names must not be null: " + dtype + " " + rank1);
        }
        rank1 = Set.copyOf(rank1);
    }

    /** These options with element type {@code type}; throws IllegalArgumentException if it is null. */
    public WriteOptions withDType(DType type) {
        return new WriteOptions(type, rank1);
    }

    /** These options with {@code names} written as rank 1; throws IllegalArgumentException if null. */
    public WriteOptions withRank1(Set<String> names) {
        return new WriteOptions(dtype, names);
    }
}
