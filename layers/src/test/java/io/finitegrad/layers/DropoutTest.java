package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.core.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DropoutTest {

    @Test
    void trainingDropsAboutPAndScalesSurvivorsByOneOverOneMinusP() {
        qt().withExamples(TestSupport.fewerExamples(5))
                .forAll(TensorGens.uniform(0.05, 0.95), longs().all())
                .checkAssert((p, seed) -> {
                    Dropout d = new Dropout("drop", p, new Random(seed));
                    double[] y = d.forward(Var.input("x", Tensor.ones(100, 100))).value().toFlatArray();
                    int dropped = 0;
                    for (double v : y) {
                        if (v == 0) dropped++;
                        else assertEquals(1 / (1 - p), v, 1e-12);
                    }
                    double n = y.length;
                    assertTrue(Math.abs(dropped - p * n) < 5 * Math.sqrt(n * p * (1 - p)), dropped + " dropped at p = " + p);
                });
    }

    @Test
    void evalIsTheIdentityAndTheMaskIsSeededAndBackpropagated() {
        Dropout d = new Dropout("drop", 0.5, new Random(3));
        Var x = Var.param("x", Tensor.full(4, 5, 2.0));
        Var y = d.forward(x);
        assertEquals("drop/mul", y.name());
        y.sum().backward();
        Tensor mask = y.value().map(v -> v / 2.0);
        assertEquals(mask, x.grad(), "the gradient flows only through kept units, scaled like them");
        assertEquals(y.value(), new Dropout("again", 0.5, new Random(3)).forward(x).value());

        d.eval();
        assertSame(x, d.forward(x));
        d.train();
        assertTrue(d.isTraining());
    }

    @Test
    void extremeProbabilities() {
        Var x = Var.input("x", Tensor.full(3, 3, 7.0));
        assertSame(x, new Dropout(0.0, new Random(1)).forward(x));
        assertEquals(Tensor.zeros(3, 3), new Dropout(1.0, new Random(1)).forward(x).value());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5, new Random(1)));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(0.5, null));
    }
}
