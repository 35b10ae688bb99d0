package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A graph, its guard mode, its name scopes and its scratch space belong to the thread that builds
 * it: threads training their own models at the same time get the bits each gets alone, and a
 * guard mode switched on one thread does not reach another.
 */
@SuppressWarnings("try") // guard scopes are opened for their effect on the body
class ThreadConfinementTest {

    @Test
    void concurrentTrainingRunsGiveTheBitsOfTheirSoloRuns() throws Exception {
        long mlp = Fingerprint.mlpAdam(), iris = Fingerprint.irisSgd();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CyclicBarrier start = new CyclicBarrier(4);
            List<Future<Long>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                boolean even = i % 2 == 0;
                runs.add(pool.submit(() -> {
                    start.await();
                    return even ? Fingerprint.mlpAdam() : Fingerprint.irisSgd();
                }));
            }
            for (int i = 0; i < 4; i++) assertEquals(i % 2 == 0 ? mlp : iris, runs.get(i).get(), "run " + i);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aGuardModeSwitchedOffOnOneThreadStillThrowsOnAnother() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier bothInside = new CyclicBarrier(2);
            Callable<Double> quiet = () -> {
                try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
                    bothInside.await();
                    double v = Var.input("x", Tensor.scalar(-1)).log().item();
                    bothInside.await();
                    return v;
                }
            };
            Callable<String> guarded = () -> {
                bothInside.await(); // the other thread has switched its guard off by now
                try {
                    return assertThrows(NonFiniteException.class,
                            () -> Var.input("y", Tensor.scalar(-2)).log()).report().op();
                } finally {
                    bothInside.await();
                }
            };
            Future<Double> a = pool.submit(quiet);
            Future<String> b = pool.submit(guarded);
            assertTrue(Double.isNaN(a.get()), "the unguarded thread computes NaN without a report");
            assertTrue(b.get().contains("log"), "the guarded thread reports its own op: " + b.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
