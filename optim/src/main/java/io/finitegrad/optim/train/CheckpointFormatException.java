package io.finitegrad.optim.train;

import java.io.IOException;

/**
 * A checkpoint file that is not a valid finitegrad safetensors file (truncated, oversized or
 * malformed header, a dtype other than F64, a bad shape or data offsets), or that does not fit the
 * model it is loaded into (missing, unexpected or mis-shaped parameter). The message names the
 * file and, where there is one, the tensor.
 */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
