package io.finitegrad.core;

/**
 * This thread's emulated format and whether stored parameters are rounded too: the state
 * {@link Emulation} scopes set and the autodiff guard reads once per node. The guard keeps a
 * reference to its thread's instance, so reading it costs no lookup; only {@link Emulation}
 * writes it.
 */
public final class PrecisionState {
    private static final ThreadLocal<PrecisionState> CURRENT = ThreadLocal.withInitial(PrecisionState::new);

    private Precision precision = Precision.FLOAT64;
    private boolean roundParameters;

    private PrecisionState() {
    }

    /** This thread's state. */
    public static PrecisionState get() {
        return CURRENT.get();
    }

    /** The format this thread computes in. */
    public Precision precision() {
        return precision;
    }

    /** True if parameters and optimiser state are stored rounded to the format (not float64 masters). */
    public boolean roundParameters() {
        return roundParameters && precision != Precision.FLOAT64;
    }

    /** True if a format other than float64 is emulated. */
    public boolean emulating() {
        return precision != Precision.FLOAT64;
    }

    void set(Precision p, boolean roundParams) {
        this.precision = p;
        this.roundParameters = roundParams;
    }

    boolean roundParametersSetting() {
        return roundParameters;
    }
}
