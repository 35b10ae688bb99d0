package io.finitegrad.core;

/**
 * The one estimate of the heap left, which sizes are checked against before anything large is
 * allocated (a checkpoint's tensors, nanlab's models), so that a request too large for this JVM
 * is refused with a message instead of ending in OutOfMemoryError. None of these methods throws.
 */
public final class Heap {
    private Heap() {
    }

    /**
     * Bytes this JVM may still allocate: the maximum heap less what is in use. Garbage not yet
     * collected counts as in use, so the estimate errs low, never high.
     */
    public static long available() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** The most heap this JVM may use ({@code -Xmx}), in bytes. */
    public static long max() {
        return Runtime.getRuntime().maxMemory();
    }
}
