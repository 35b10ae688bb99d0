package io.finitegrad.core;

/**
 * An open {@link Precision#emulate} scope: until {@link #close()}, this thread's graphs compute in
 * its format. Closing restores the format (and parameter setting) that was in force when it
 * opened; a second close does nothing, and close throws nothing, so try-with-resources needs no
 * catch.
 *
 * <p>By default, as mixed-precision training does, parameters and optimiser state stay float64
 * master copies: an op reads a parameter rounded to the format, and the gradient summed into a
 * parameter stays float64 (each contribution is rounded, the sum is not).
 * {@link #roundParameters(boolean) roundParameters(true)} instead stores the parameters, and an
 * optimiser's moments, rounded after each step, as a model converted with {@code .half()} does.
 */
public final class Emulation implements AutoCloseable {
    private final PrecisionState state;
    private final Precision previous;
    private final boolean previousRoundParameters;
    private final Precision precision;
    private boolean roundParameters;
    private boolean closed;

    Emulation(PrecisionState state, Precision p) {
        this.state = state;
        this.previous = state.precision();
        this.previousRoundParameters = state.roundParametersSetting();
        this.precision = p;
        state.set(p, false);
    }

    /** The format this scope emulates. */
    public Precision precision() {
        return precision;
    }

    /**
     * Stores parameters rounded to the format (true) or keeps float64 masters (false, the default)
     * while this scope is open; returns this scope.
     *
     * @throws IllegalStateException if the scope is closed
     */
    public Emulation roundParameters(boolean on) {
        if (closed) throw new IllegalStateException("roundParameters: the " + precision.label() + " emulation scope is closed");
        roundParameters = on;
        state.set(precision, on);
        return this;
    }

    /** True if this scope, while open, stores parameters rounded (its own setting, whatever a nested scope does). */
    public boolean roundsParameters() {
        return roundParameters && !closed;
    }

    /** Restores the format in force when this scope opened. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        state.set(previous, previousRoundParameters);
    }
}
