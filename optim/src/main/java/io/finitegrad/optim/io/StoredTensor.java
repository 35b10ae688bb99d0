package io.finitegrad.optim.io;

import java.util.List;

/**
 * One entry of a safetensors header as the file declares it, for tools that show a file
 * ({@code nanlab inspect}) rather than load it into a model.
 *
 * @param name the tensor's name
 * @param dtype the dtype as written in the header ({@code "F32"}, {@code "I64"}, ...)
 * @param shape the shape as written, of any rank the reader accepts ({@code []} for a scalar)
 * @param skipped true if the reader did not load it (PyTorch's I64 {@code num_batches_tracked}),
 *     so it is absent from {@link NamedTensors#tensors()}
 */
public record StoredTensor(String name, String dtype, List<Long> shape, boolean skipped) {
    /**
     * Copies the shape.
     *
     * @throws IllegalArgumentException if the name, dtype, shape or a dimension is null
     */
    public StoredTensor {
        if (name == null || dtype == null || shape == null || shape.stream().anyMatch(d -> d == null)) {
            throw new IllegalArgumentException("StoredTensor: name, dtype and shape must not be null: " + name + " " + dtype
                    + " " + shape);
        }
        shape = List.copyOf(shape);
    }
}
