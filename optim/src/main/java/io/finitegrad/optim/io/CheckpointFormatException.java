package io.finitegrad.optim.io;

import java.io.IOException;

/**
 * A checkpoint file that is not a valid safetensors file finitegrad can read (truncated, oversized
 * or malformed header, an unsupported dtype, a bad shape or data offsets), or that does not fit the
 * model it is loaded into (missing, unexpected, mis-shaped or non-finite tensor). The message names
 * the file and, where there is one, the tensor.
 */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}, which names the file. */
    public CheckpointFormatException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, found while {@code cause} was thrown. */
    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
