package io.finitegrad.autodiff.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import org.junit.jupiter.api.Test;

/** A parameter written between forward and backward would give a wrong gradient: backward refuses. */
class InPlaceWriteTest {

    @Test
    void backwardAfterAnInPlaceWriteNamesTheParameterAndTheNodeThatReadIt() {
        Var w = Var.param("w", Tensor.row(1, 2));
        Var x = Var.input("x", Tensor.row(3, 4));
        Var prod = w.mul(x).label("prod");
        Var loss = prod.sum();
        w.write().data[0] = 10; // e.g. an optimiser step before backward
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        String m = e.getMessage();
        assertTrue(m.contains("'w'") && m.contains("'prod'") && m.contains("modified in place"), m);
        assertTrue(m.contains("version 1"), m);
    }

    @Test
    void readingTheStorageDoesNotCountAsAWrite() {
        Var w = Var.param("w", Tensor.row(1, 2));
        Var loss = w.square().sum();
        double first = w.read().data[0];
        loss.backward();
        assertEquals(1.0, first);
        assertEquals(Tensor.row(2, 4), w.grad());
        assertEquals(0, w.version());
    }

    @Test
    void writesAfterBackwardAndARebuiltGraphAreFine() {
        Var w = Var.param("w", Tensor.row(1, 2));
        w.square().sum().backward();
        w.write().data[0] = 5;
        w.zeroGrad();
        w.square().sum().backward();
        assertEquals(Tensor.row(10, 4), w.grad());
        assertEquals(1, w.version());
    }
}
