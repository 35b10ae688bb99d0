package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static io.finitegrad.autodiff.guard.Guarded.assertNothingCreatedAfter;
import static io.finitegrad.autodiff.guard.Guarded.labels;
import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static io.finitegrad.autodiff.guard.Guarded.warn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A non-finite leaf (data or parameter) is itself the entry point, with its first bad element. */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class LeafEntryTest {

    /** 4x3 data, NaN at (2, 1) and an Inf after it, so (2, 1) is the first bad element. */
    private static Tensor dataWithNaN() {
        return Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}, {7, Double.NaN, 9}, {10, 11, Double.POSITIVE_INFINITY}});
    }

    @Test
    void nanInAnInputRowThrowsAtCreation() {
        NanReport r = throwing(() -> Var.input("x", dataWithNaN()));
        assertEntry(r, Phase.FORWARD, "input", "x", Cause.NON_FINITE_INPUT);
        assertEquals(2, r.row());
        assertEquals(1, r.col());
        assertNothingCreatedAfter(r);
    }

    @Test
    void nanInAnInputRowIsTheOnlyReportThroughForwardAndBackward() {
        Var w = Var.param("W", Tensor.of(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6));
        Guarded.Run<Var> run = warn(() -> {
            Var loss = Var.input("x", dataWithNaN()).matmul(w).tanh().sum();
            loss.backward();
            return loss;
        });
        assertEquals(List.of("x"), labels(run.reports()));
        NanReport r = run.reports().get(0);
        assertEntry(r, Phase.FORWARD, "input", "x", Cause.NON_FINITE_INPUT);
        assertEquals(2, r.row());
        assertEquals(1, r.col());
        assertEquals(3, r.propagationCount(), "matmul, tanh and sum carry it");
        assertEquals(List.of("W"), r.reachedGradients());
        assertTrue(Double.isNaN(run.result().item()));
    }

    @Test
    void nanWeightThrowsWhenTheParameterIsCreated() {
        NanReport r = throwing(() -> {
            try (var s = Names.scope("dense1")) {
                Var.param("W", Tensor.of(2, 2, 1, 2, 3, Double.NaN));
            }
        });
        assertEntry(r, Phase.FORWARD, "param", "dense1/W", Cause.NON_FINITE_INPUT);
        assertEquals(1, r.row());
        assertEquals(1, r.col());
        assertNothingCreatedAfter(r);
    }

    @Test
    void parameterBrokenAfterCreationIsReportedWhenAnOpReadsIt() {
        Var x = Var.input("x", Tensor.of(1, 2, 1, 1));
        Var w;
        try (var s = Names.scope("dense")) {
            w = Var.param("W", Tensor.of(2, 2, 1, 2, 3, 4));
        }
        w.write().set(1, 0, Double.NaN); // what a bad optimiser step does, in place
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.THROW)) {
            NanReport r = assertThrows(NonFiniteException.class, () -> x.matmul(w)).report();
            assertEntry(r, Phase.FORWARD, "param", "dense/W", Cause.NON_FINITE_INPUT);
            assertEquals(w.id(), r.entryId());
            assertEquals(1, r.row());
            assertEquals(0, r.col());
        }
    }

    @Test
    void parameterBrokenAfterCreationIsReportedOnceThoughReadTwice() {
        Var x = Var.input("x", Tensor.of(1, 2, 1, 1));
        Var w = Var.param("W", Tensor.of(2, 2, 1, 2, 3, 4));
        w.write().set(1, 0, Double.NaN);
        Guarded.Run<Var> run = warn(() -> {
            Var loss = x.matmul(w).sum().add(w.square().sum());
            loss.backward();
            return loss;
        });
        assertEquals(List.of("W"), labels(run.reports()));
        assertEntry(run.reports().get(0), Phase.FORWARD, "param", "W", Cause.NON_FINITE_INPUT);
        assertEquals(1, run.reports().get(0).row());
        assertTrue(Double.isNaN(w.grad().get(1, 0)));
    }
}
