package io.finitegrad.optim.io;

/**
 * A valid checkpoint whose tensors do not fit the heap this JVM has left, refused before any of
 * them is allocated (instead of an OutOfMemoryError part-way). Distinct from a malformed file: the
 * same file may load with a larger {@code -Xmx}. The message names the file, the bytes needed and
 * the bytes available.
 */
public class CheckpointResourceException extends CheckpointFormatException {
    private static final long serialVersionUID = 1L;

    /** Bytes the tensors need on the heap. */
    private final long needed;
    /** Bytes the heap had left, less the margin kept free. */
    private final long available;

    /**
     * The {@code tensors} of {@code file} need {@code needed} bytes of heap as double arrays, more
     * than the {@code available} left of the {@code max} this JVM may use.
     */
    public CheckpointResourceException(String file, int tensors, long needed, long available, long max) {
        super(file + ": its " + tensors + (tensors == 1 ? " tensor needs " : " tensors need ") + needed
                + " bytes of heap to load as doubles, more than the " + available + " bytes available (of " + max
                + " this JVM may use, a sixteenth kept free): load it with a larger java -Xmx");
        this.needed = needed;
        this.available = available;
    }

    /** Bytes of heap the file's tensors need as double arrays. */
    public long needed() {
        return needed;
    }

    /** Bytes of heap that were available when the file was refused. */
    public long available() {
        return available;
    }
}
