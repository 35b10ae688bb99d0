package io.finitegrad.autodiff;

/**
 * A per-thread guard setting ({@link FiniteGuard#allowNonFinite}, {@link FiniteGuard#captureSites})
 * in force until closed. Closing restores the previous setting; a second close does nothing.
 * {@link #close()} throws nothing, so try-with-resources needs no catch.
 */
public final class GuardScope implements AutoCloseable {
    private final Runnable restore;
    private boolean closed;

    GuardScope(Runnable restore) {
        this.restore = restore;
    }

    /** Restores the setting that was in force when this scope was opened. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        restore.run();
    }
}
