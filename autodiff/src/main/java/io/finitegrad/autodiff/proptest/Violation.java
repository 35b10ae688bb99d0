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

    /**
     * What makes two failures the same one, for refining an input without turning it into another
     * failure: the guard's entry (phase, op, cause, element, operand), or without a report the
     * problem up to its first colon ("value at (0, 1)").
     */
    String kind() {
        if (report != null) {
            return report.phase() + " " + report.op() + " " + report.cause() + " at (" + report.row() + ", " + report.col()
                    + ") to " + report.operand();
        }
        String m = String.valueOf(getMessage());
        int colon = m.indexOf(':');
        return colon < 0 ? m : m.substring(0, colon);
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
