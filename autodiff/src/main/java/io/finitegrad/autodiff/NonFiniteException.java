package io.finitegrad.autodiff;

/**
 * Thrown in THROW mode at the entry point of a NaN/Inf, before any later node exists (forward) or
 * before the bad gradient is used (backward). The message is the readable report; the structured
 * one is {@link #report()}.
 */
public class NonFiniteException extends ArithmeticException {
    private static final long serialVersionUID = 1L;
    private final transient NanReport report;

    public NonFiniteException(NanReport report) {
        super(report.toString());
        this.report = report;
    }

    /** Where and why the NaN/Inf entered, and what to do about it. */
    public NanReport report() {
        return report;
    }
}
