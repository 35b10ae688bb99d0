package io.finitegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Node ids double as the write clock of leaves, across graphs: a process that has made more than
 * 2^31 nodes (an hour of training) must still backpropagate, and still catch a write after a read.
 */
class IdWrapTest {
    @Test
    void backwardWorksAndStillCatchesWritesAfterTheIdsPassIntegerMaxValue() {
        Var.advanceIdsForTest(Integer.MAX_VALUE - 50L);
        Var w = Var.param("w", Tensor.of(new double[][] {{0.5, -2}}));
        Var x = Var.input("x", Tensor.of(new double[][] {{3, 4}}));
        Var before = x.mul(w).sum();
        before.backward();
        w.write().data[0] = 1.5; // an optimiser step between two iterations
        w.zeroGrad();
        for (int step = 0; step < 40; step++) { // each iteration makes 3 nodes: across 2^31
            Var loss = x.mul(w).sum();
            loss.backward();
            assertEquals(3.0, w.grad().get(0, 0), 0.0, "step " + step + ", loss id " + loss.id());
            w.write().data[1] -= 0.01;
            w.zeroGrad();
        }
        Var fresh = Var.param("fresh", Tensor.of(new double[][] {{1, 2}})); // never written
        Var late = fresh.mul(x).sum();
        assertTrue(late.id() > Integer.MAX_VALUE, "the ids went past 2^31: " + late.id());
        late.backward();
        assertEquals(4.0, fresh.grad().get(0, 1), 0.0);

        Var read = x.mul(w).sum();
        w.write().data[0] = 7; // after the forward read w, before backward
        IllegalStateException e = assertThrows(IllegalStateException.class, read::backward);
        assertTrue(e.getMessage().contains("'w' was modified in place"), e.getMessage());
    }
}
