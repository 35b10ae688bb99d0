package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.Warnings;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Built-in layers register what they want watched, so warnings name the layer and the node. */
class LayerWarningsTest {

    private static List<EarlyWarning> of(List<EarlyWarning> ws, EarlyWarning.Kind kind, String layer) {
        return ws.stream().filter(w -> w.kind() == kind && w.layer().equals(layer)).toList();
    }

    @Test
    void aDenseLayerWhoseProductNearsOverflowWarnsBeforeTheInf() {
        Dense d = new Dense("dense1", 1, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(1));
        double w = d.weight().value().get(0, 0);
        try (Warnings.Collector c = Warnings.collect()) {
            Var x = Var.input("x", Tensor.scalar(2e305 / w));
            Var y = d.forward(x);
            List<EarlyWarning> ws = c.list();
            assertEquals(1, ws.size(), ws.toString());
            assertEquals("dense1", ws.get(0).layer());
            assertEquals("dense1/matmul", ws.get(0).node());
            assertTrue(ws.get(0).message().startsWith("dense1/matmul's values reached 2e305: 3 orders from overflow"),
                    ws.get(0).message());
            assertThrows(NonFiniteException.class, () -> y.mul(1e4)); // the Inf comes after the warning
            assertEquals(1, c.list().size());
        }
    }

    @Test
    void aTanhRnnOver1000StepsWarnsOfExplodingGradients() {
        Random rng = new Random(7);
        RNN rnn = new RNN("rnn1", 1, 16, Activation.TANH, Init.STANDARD_NORMAL, rng);
        Tensor seq = Tensor.of(4, 1000, rng.doubles(4000, -1, 1).toArray());
        try (Warnings.Collector c = Warnings.collect()) {
            rnn.forward(Var.input("x", seq)).sum().backward();
            double norm = 0;
            for (Var p : rnn.parameters()) for (double g : p.grad().toFlatArray()) norm = Math.hypot(norm, g);
            assertTrue(norm > 1e4, "this draw should explode, norm " + norm);
            List<EarlyWarning> exploding = of(c.list(), EarlyWarning.Kind.EXPLODING, "rnn1");
            assertFalse(exploding.isEmpty(), c.list().toString());
            EarlyWarning byNorm = exploding.stream().filter(w -> w.node().equals("rnn1's parameters")).findFirst()
                    .orElseThrow(() -> new AssertionError(c.list().toString()));
            assertEquals(norm, byNorm.value(), norm * 1e-9);
            assertTrue(exploding.stream().anyMatch(w -> w.node().equals("rnn1/step0/tanh")),
                    "the gradient reaching step 0 dwarfs the one at step 999: " + c.list());
        }
    }

    @Test
    void anOrthogonalRnnOverAShortSequenceGivesNoWarning() {
        Random rng = new Random(3);
        RNN rnn = new RNN("rnn1", 1, 8, Activation.TANH, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng);
        Tensor seq = Tensor.of(4, 10, rng.doubles(40, -1, 1).toArray());
        try (Warnings.Collector c = Warnings.collect()) {
            rnn.forward(Var.input("x", seq)).sum().backward();
            assertEquals(List.of(), c.list());
        }
    }

    @Test
    void recurrentLayersWatchTheirFirstAndLastStatesInBothForms() {
        for (RecurrentLayer layer : List.of(new LSTM("lstm1", 1, 2, new Random(1)), new GRU("gru1", 1, 2, new Random(1)),
                new RNN("rnn1", 1, 2, Activation.TANH, Init.XAVIER_UNIFORM, new Random(1)))) {
            List<Var> xs = new ArrayList<>();
            for (int t = 0; t < 3; t++) xs.add(Var.input("x" + t, Tensor.scalar(1)));
            try (Warnings.Collector c = Warnings.collect(io.finitegrad.autodiff.WarningThresholds.defaults()
                    .withRecurrentRatio(1.0000001).withExplodingNorm(1e-300))) {
                List<Var> hs = layer.forward(xs);
                hs.get(0).sum().add(hs.get(2).sum().mul(1e-9)).backward(); // first step's gradient dominates
                List<EarlyWarning> ws = of(c.list(), EarlyWarning.Kind.EXPLODING, layer.name());
                assertTrue(ws.stream().anyMatch(w -> w.message().contains("larger at its first step")), ws.toString());
                assertTrue(ws.stream().anyMatch(w -> w.node().equals(layer.name() + "'s parameters")), ws.toString());
            }
        }
    }

    @Test
    void deepSigmoidNetworksWarnOfVanishingGradientsInTheirFirstLayers() {
        Random rng = new Random(5);
        List<Layer> layers = new ArrayList<>();
        layers.add(new Dense("dense1", 4, 32, Activation.SIGMOID, Init.XAVIER_UNIFORM, rng));
        for (int i = 2; i <= 12; i++) layers.add(new Dense("dense" + i, 32, 32, Activation.SIGMOID, Init.XAVIER_UNIFORM, rng));
        layers.add(new Dense("out", 32, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        Sequential net = new Sequential(layers.toArray(new Layer[0]));
        try (Warnings.Collector c = Warnings.collect()) {
            net.forward(Var.input("x", TestSupport.gaussian(rng, 8, 4, 1))).sum().backward();
            List<EarlyWarning> vanishing = c.list().stream().filter(w -> w.kind() == EarlyWarning.Kind.VANISHING).toList();
            assertFalse(vanishing.isEmpty(), c.list().toString());
            assertTrue(vanishing.stream().anyMatch(w -> w.layer().equals("dense1")), vanishing.toString());
            assertTrue(vanishing.stream().noneMatch(w -> w.layer().equals("out")), vanishing.toString());
        }
    }

    @Test
    void normalisationLayersWatchTheirOutput() {
        LayerNorm ln = new LayerNorm("ln1", 2, 1e-5);
        BatchNorm bn = new BatchNorm("bn1", 2, 1e-5, 0.1);
        try (Warnings.Collector c = Warnings.collect(io.finitegrad.autodiff.WarningThresholds.defaults()
                .withHeadroomOrders(309))) { // |x| > 0.18 lacks 309 orders of headroom
            bn.forward(ln.forward(Var.input("x", Tensor.of(new double[][] {{1, 2}, {3, 5}}))));
            assertEquals(List.of("ln1", "bn1"), c.list().stream().map(EarlyWarning::layer).toList());
        }
    }
}
