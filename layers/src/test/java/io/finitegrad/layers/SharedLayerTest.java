package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Weight sharing, as in PyTorch: a layer used twice has its parameters listed, counted and saved once. */
class SharedLayerTest {
    private static Dense square(String name) {
        return new Dense(name, 4, 4, Activation.TANH, Init.XAVIER_UNIFORM, new Random(3));
    }

    @Test
    void aLayerUsedTwiceListsItsParametersOnce() {
        Dense d = square("d");
        Sequential net = new Sequential(d, d);
        assertEquals(List.of(d.weight(), d.bias()), net.parameters());
        assertEquals(20, net.parameterCount());
        assertEquals(List.of("d/W", "d/b"), List.copyOf(net.stateDict().keySet()));
        // nested containers share too
        Dense e = square("e");
        Sequential outer = new Sequential(net, e, new Sequential(e, d));
        assertEquals(List.of(d.weight(), d.bias(), e.weight(), e.bias()), outer.parameters());
        assertEquals(40, outer.parameterCount());
    }

    @Test
    void summaryCountsEachParameterOnceAndMarksTheRepeat() {
        Dense d = square("d");
        String s = new Sequential(d, d).summary();
        assertTrue(s.contains("Total params: 20"), s);
        List<String> rows = s.lines().filter(l -> l.startsWith("d (")).toList();
        assertEquals(2, rows.size(), s);
        assertTrue(rows.get(0).contains("W 4x4, b 1x4") && rows.get(0).trim().endsWith("20"), s);
        assertTrue(rows.get(1).contains("shared") && rows.get(1).trim().endsWith(" 0"), s);
        Dense e = square("e");
        String nested = new Sequential(d, new Sequential(e, d)).summary();
        List<String> dRows = nested.lines().filter(l -> l.startsWith("d (")).toList();
        assertTrue(dRows.get(1).contains("shared"), nested);
        assertTrue(nested.contains("Total params: 40"), nested);
    }

    @Test
    void gradientsOfBothUsesAddUpInTheOneParameter() {
        Dense d = square("d");
        Sequential net = new Sequential(d, d);
        Tensor x = Tensor.of(2, 4, 0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8);
        net.forward(Var.input("x", x)).sum().backward();
        double analytic = d.bias().grad().get(0, 1);
        double h = 1e-6;
        double b = d.bias().value().get(0, 1);
        d.bias().write().set(0, 1, b + h);
        double up = net.forward(Var.input("x", x)).sum().item();
        d.bias().write().set(0, 1, b - h);
        double down = net.forward(Var.input("x", x)).sum().item();
        d.bias().write().set(0, 1, b);
        assertEquals((up - down) / (2 * h), analytic, 1e-6);
        assertSame(d.bias(), net.parameters().get(1));
    }
}
