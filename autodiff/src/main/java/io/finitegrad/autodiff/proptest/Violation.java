package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.NanReport;

/** Thrown by a property's check of one example; the reporter turns the smallest one into a {@link PropertyFailure}. */
final class Violation extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final transient NanReport report;

    Violation(String problem, NanReport report) {
        super(problem);
        this.report = report;
    }

    NanReport report() {
        return report;
    }
}
