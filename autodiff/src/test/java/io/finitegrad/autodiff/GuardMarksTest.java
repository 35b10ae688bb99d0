package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The guard's marks exist only for non-finite nodes: a finite forward and backward leaves none (so
 * the happy path does no lookups), and the marks of a dropped graph go with it.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class GuardMarksTest {
    private static GuardMarks marks() {
        return GuardState.get().marks();
    }

    /** Marks are per thread: a fresh one starts with none, whatever other tests left behind. */
    private static void onAFreshThread(Runnable body) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) throw new AssertionError(failure.get());
    }

    @Test
    void aFiniteStepLeavesNoMarks() throws InterruptedException {
        onAFreshThread(GuardMarksTest::finiteStep);
    }

    private static void finiteStep() {
        Var w = Var.param("w", Tensor.row(0.5, -0.25));
        Var loss = Var.input("x", Tensor.of(2, 2, 1, 2, 3, 4)).matmul(w.transpose()).square().mean();
        loss.backward();
        w.write().set(0, 0, 0.4); // an optimiser step hands the storage out
        w.mul(2.0).sum().backward();
        assertFalse(marks().anyValues());
        assertFalse(marks().anyGradients());
    }

    @Test
    void theMarksOfADroppedGraphAreCollectedWithIt() throws InterruptedException {
        onAFreshThread(() -> {
            try (FiniteGuard.Scope warn = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
                buildAndDropANonFiniteGraph();
            }
            assertTrue(eventually(() -> !marks().anyValues() && !marks().anyGradients()), "marks outlived their graph");
        });
    }

    private static void buildAndDropANonFiniteGraph() {
        Var w = Var.param("w", Tensor.row(0, 1));
        w.log().sum().backward();
        assertTrue(marks().anyValues() && marks().anyGradients());
    }

    private static boolean eventually(BooleanSupplier condition) {
        for (int i = 0; i < 50 && !condition.getAsBoolean(); i++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
