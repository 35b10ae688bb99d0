package io.finitegrad.optim;

import io.finitegrad.autodiff.NanReport;

/**
 * Thrown by {@link Optimizer#step()} when finite gradients would still move a parameter to NaN or
 * Inf (a learning rate so large the update overflows, say). The step is refused before anything is
 * written: every parameter and the optimiser's own state (moments, momentum buffers, step counts)
 * are exactly as they were before the call. Names the first such parameter and carries the guard's
 * report of the value it would have had.
 */
public class NonFiniteUpdateException extends ArithmeticException {
    private static final long serialVersionUID = 1L;
    private final String parameter;
    private final transient NanReport report;

    public NonFiniteUpdateException(String message, String parameter, NanReport report) {
        super(message + (report == null ? "" : "\n" + report));
        this.parameter = parameter;
        this.report = report;
    }

    /** Name of the first parameter the refused update would have made non-finite. */
    public String parameter() {
        return parameter;
    }

    /** The guard's report of that parameter's would-be value (cause NON_FINITE_INPUT), or null if the guard was OFF. */
    public NanReport report() {
        return report;
    }
}
