package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SequentialTest {

    private static Sequential mlp() {
        LayerNames.reset();
        Random rng = new Random(5);
        return new Sequential(new Dense(3, 64, Activation.RELU, Init.HE_NORMAL, rng), new BatchNorm(64, 1e-5, 0.1),
                new Dropout(0.2, rng), new Dense(64, 200, Activation.TANH, Init.XAVIER_NORMAL, rng),
                new LayerNorm(200, 1e-5), new Dense(200, 10, Activation.IDENTITY, Init.XAVIER_NORMAL, rng));
    }

    @Test
    void parameterNamesAreScopedUniqueAndInLayerOrder() {
        Sequential net = mlp();
        List<String> names = List.copyOf(net.namedParameters().keySet());
        assertEquals(List.of("dense1/W", "dense1/b", "batchnorm1/gamma", "batchnorm1/beta", "dense2/W", "dense2/b",
                "layernorm1/gamma", "layernorm1/beta", "dense3/W", "dense3/b"), names);
        assertEquals(names.size(), new HashSet<>(names).size());
        assertEquals(List.of("batchnorm1/running_mean", "batchnorm1/running_var"),
                net.buffers().stream().map(Var::name).toList());
    }

    @Test
    void summaryListsEveryLayerWithShapesAndTheTotalCount() {
        Sequential net = mlp();
        long expected = (3 * 64 + 64) + (64 + 64) + (64 * 200 + 200) + (200 + 200) + (200 * 10 + 10);
        assertEquals(expected, net.parameterCount());
        String s = net.summary();
        for (String layer : List.of("dense1 (Dense, relu)", "batchnorm1 (BatchNorm)", "dropout1 (Dropout, p=0.2)",
                "dense2 (Dense, tanh)", "layernorm1 (LayerNorm)", "dense3 (Dense)")) {
            assertTrue(s.contains(layer), layer + " missing from\n" + s);
        }
        assertTrue(s.contains("W 3x64, b 1x64"), s);
        assertTrue(s.contains("?x64"), s);
        assertTrue(s.contains("?x200"), s);
        assertTrue(s.contains(String.format("Total params: %,d", expected)), s);
        assertTrue(s.contains("13,000"), s); // dense2: 64 * 200 + 200
        assertEquals(6, s.lines().filter(l -> l.matches("[a-z]+\\d+ \\(.*")).count(), s); // one row per layer
    }

    @Test
    void forwardChainsTheLayersAndNamesTheOutput() {
        Sequential net = mlp();
        net.eval();
        Var y = net.forward(Var.input("x", Tensor.ones(4, 3)));
        assertEquals("4x10", y.shape());
        assertEquals("dense3/add", y.name());
    }

    @Test
    void trainAndEvalReachEveryLayer() {
        Sequential net = mlp();
        BatchNorm bn = (BatchNorm) net.layers().get(1);
        Dropout drop = (Dropout) net.layers().get(2);
        assertSame(net, net.eval());
        assertFalse(bn.isTraining());
        assertFalse(drop.isTraining());
        net.train();
        assertTrue(bn.isTraining());
        assertTrue(drop.isTraining());
    }

    @Test
    void duplicateLayerNamesAreRejected() {
        Random rng = new Random(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Dense("fc", 2, 2, Activation.RELU, Init.HE_NORMAL, rng),
                        new Dense("fc", 2, 2, Activation.RELU, Init.HE_NORMAL, rng)));
        assertTrue(e.getMessage().contains("fc/W"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sequential());
    }

    @Test
    void defaultNamesCountPerKindAndRestartAfterReset() {
        LayerNames.reset();
        assertEquals("dense1", new Dense(1, 1, Activation.RELU, Init.ZEROS, new Random(1)).name());
        assertEquals("dense2", new Dense(1, 1, Activation.RELU, Init.ZEROS, new Random(1)).name());
        assertEquals("rnn1", new RNN(1, 1, Activation.TANH, Init.ZEROS, new Random(1)).name());
        LayerNames.reset();
        assertEquals("dense1", new Dense(1, 1, Activation.RELU, Init.ZEROS, new Random(1)).name());
    }

    /** Every parameter of a mixed network, by name, plus a dropout mask, all drawn from one seeded Random. */
    private static Map<String, Tensor> drawNetwork(long seed) {
        Random rng = new Random(seed);
        List<Var> params = new ArrayList<>();
        params.addAll(new Sequential(new Dense("a", 4, 8, Activation.RELU, Init.HE_UNIFORM, rng),
                new Dense("b", 8, 8, Activation.TANH, Init.XAVIER_NORMAL, rng)).parameters());
        params.addAll(new RNN("r", 8, 6, Activation.TANH, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng).parameters());
        params.addAll(new LSTM("l", 6, 3, rng).parameters());
        Map<String, Tensor> values = new LinkedHashMap<>();
        for (Var p : params) values.put(p.name(), p.value());
        values.put("mask", new Dropout("d", 0.5, rng).forward(Var.input("x", Tensor.ones(3, 8))).value());
        return values;
    }

    @Test
    void sameSeedBuildsABitIdenticalNetworkAndAnotherSeedADifferentOne() {
        qt().withExamples(TestSupport.fewerExamples(5)).forAll(longs().all()).checkAssert(seed -> {
            Map<String, Tensor> a = drawNetwork(seed), b = drawNetwork(seed), c = drawNetwork(seed + 1);
            assertEquals(a, b);
            for (String random : List.of("a/W", "b/W", "r/Wx", "r/Wh", "l/Wx", "l/Wh", "mask")) {
                assertFalse(a.get(random).equals(c.get(random)), random + " did not change with the seed");
            }
        });
    }

    @Test
    void aUserLayerGetsADefaultNameAndSummaryRow() {
        LayerNames.reset();
        Var w = Var.param("scale", Tensor.ones(1, 3));
        Layer custom = new Layer() {
            public Var forward(Var x) { return x.mul(w); }
            public List<Var> parameters() { return List.of(w); }
        };
        Sequential net = new Sequential(custom, new Dense("out", 3, 1, Activation.IDENTITY, Init.ZEROS, new Random(1)));
        String s = net.summary();
        assertTrue(s.contains("scale 1x3") && s.contains("Total params: 7"), s);
        assertEquals("layer1", custom.name());
        assertTrue(s.contains("layer1 (Layer)"), s);
        assertTrue(custom.summary().startsWith("Layer 'layer1'"), custom.summary());
    }
}
