package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.Var;

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

    /** The first entry point the WARN scope recorded, or null. */
    static NanReport firstReport(FiniteGuard.Scope warn) {
        return warn.reports().isEmpty() ? null : warn.reports().get(0);
    }

    /** The entry point behind {@code leaf}'s non-finite gradient, else the scope's first one, or null. */
    static NanReport gradientEntry(Var leaf, FiniteGuard.Scope warn) {
        NanReport r = leaf.gradientReport();
        return r != null ? r : firstReport(warn);
    }
}
