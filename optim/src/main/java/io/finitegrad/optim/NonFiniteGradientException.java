package io.finitegrad.optim;

import io.finitegrad.autodiff.NanReport;
import java.util.List;

/**
 * Thrown instead of letting a NaN/Inf gradient reach the weights: by {@link Optimizer#step()} under
 * {@link Optimizer.NonFinitePolicy#REFUSE} (the default) and by {@link GradClip#byGlobalNorm(List, double, boolean)}
 * when asked to fail. Names every parameter whose gradient is non-finite and carries the guard's
 * report of where the first one entered (null when the guard was OFF or the gradient was set by hand).
 */
public class NonFiniteGradientException extends ArithmeticException {
    private static final long serialVersionUID = 1L;
    private final List<String> parameters;
    private final transient NanReport report;

    public NonFiniteGradientException(String message, List<String> parameters, NanReport report) {
        super(message + (report == null ? "" : "\n" + report));
        this.parameters = List.copyOf(parameters);
        this.report = report;
    }

    /** Names of the parameters whose gradients hold NaN or Inf. */
    public List<String> parameters() {
        return parameters;
    }

    /** The guard's report for the first such parameter, or null if the guard did not see it. */
    public NanReport report() {
        return report;
    }
}
