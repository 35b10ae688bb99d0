package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import java.util.List;
import java.util.function.Supplier;

/** Runs a graph builder under a guard mode and checks entry points, for the guard tests. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
final class Guarded {
    private Guarded() {
    }

    /** What a builder returned under WARN, with the entry points recorded meanwhile. */
    record Run<T>(T result, List<NanReport> reports, long checks) {
    }

    /** Builds under THROW, expects a {@link NonFiniteException} and returns its report. */
    static NanReport throwing(Runnable build) {
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.THROW)) {
            return assertThrows(NonFiniteException.class, build::run).report();
        }
    }

    /** Builds under WARN and returns the result with a copy of the reports. */
    static <T> Run<T> warn(Supplier<T> build) {
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            T result = build.get();
            return new Run<>(result, List.copyOf(g.reports()), g.checks());
        }
    }

    static void assertEntry(NanReport r, Phase phase, String op, String label, Cause cause) {
        assertAll(r.toString(),
                () -> assertEquals(phase, r.phase(), "phase"),
                () -> assertEquals(op, r.op(), "op"),
                () -> assertEquals(label, r.label(), "label"),
                () -> assertEquals(cause, r.cause(), "cause"));
    }

    /**
     * Node ids are handed out in creation order, so if the next node made gets the id right after
     * the entry's, THROW stopped the computation before any later node existed.
     */
    static void assertNothingCreatedAfter(NanReport r) {
        Var probe = Var.constant(0.0);
        assertEquals(r.entryId() + 1, probe.id(), "a node was created after the entry point " + r.label());
    }

    /** The entry labels of the reports, in order. */
    static List<String> labels(List<NanReport> reports) {
        return reports.stream().map(NanReport::label).toList();
    }
}
