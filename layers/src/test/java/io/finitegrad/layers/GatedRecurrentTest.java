package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.proptest.GradientProperties;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** LSTM and GRU: gradients, the cell equations, truncation, names and shapes. */
class GatedRecurrentTest {

    private static List<Var> sequence(Random rng, int length, int batch, int in) {
        List<Var> xs = new ArrayList<>(length);
        for (int t = 0; t < length; t++) xs.add(Var.input("x" + t, TestSupport.gaussian(rng, batch, in, 0.5)));
        return xs;
    }

    private static Var weightedSum(List<Var> hs, List<Var> cs) {
        Var loss = hs.get(0).mul(cs.get(0)).sum();
        for (int t = 1; t < hs.size(); t++) loss = loss.add(hs.get(t).mul(cs.get(t)).sum());
        return loss;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Sequence length, batch and layer sizes of one example; the tensors are drawn for these sizes. */
    record Dims(int length, int batch, int in, int hidden) {
    }

    /**
     * A layer's initialisation seed, biases (the GRU's bx and bh rows; the LSTM keeps its forget-gate
     * bias of 1), initial states (hidden rows, then cell rows; checked as parameters), a sequence xs
     * and the loss weights cs, each a (length * batch) x width tensor of stacked steps.
     */
    record Example(long seed, Tensor bias, Tensor states, Tensor xs, Tensor cs) {
        static Gen<Example> of(Dims d, int biasWidth) {
            return Generate.longRange(Long.MIN_VALUE, Long.MAX_VALUE).zip(TestSupport.uniformTensors(2, biasWidth, 0.4),
                    TestSupport.uniformTensors(2 * d.batch(), d.hidden(), 0.6),
                    TestSupport.uniformTensors(d.length() * d.batch(), d.in(), 1),
                    TestSupport.uniformTensors(d.length() * d.batch(), d.hidden(), 2), Example::new);
        }

        int batch() {
            return states.rows() / 2;
        }

        /** Initial state k (0: hidden, 1: cell), a parameter named {@code name}. */
        Var state(int k, String name) {
            return Var.param(name, Tensor.of(batch(), states.cols(),
                    Arrays.copyOfRange(states.toFlatArray(), k * batch() * states.cols(), (k + 1) * batch() * states.cols())));
        }
    }

    private static Gen<Dims> dims() {
        return Generate.range(1, 12).zip(Generate.range(1, 2), Generate.range(1, 3), Generate.range(1, 3), Dims::new);
    }

    /** An LSTM built from an example with its initial states as parameters. */
    static final class LstmModel {
        final Example e;
        final LSTM lstm;
        final Var h0;
        final Var c0;

        LstmModel(Example e) {
            this.e = e;
            this.lstm = new LSTM("lstm", e.xs().cols(), e.states().cols(), Init.XAVIER_NORMAL, Init.ORTHOGONAL, new Random(e.seed()));
            this.h0 = e.state(0, "h0");
            this.c0 = e.state(1, "c0");
        }

        List<Var> parameters() {
            List<Var> ps = new ArrayList<>(lstm.parameters());
            ps.add(h0);
            ps.add(c0);
            return ps;
        }

        Var loss() {
            List<Var> xs = TestSupport.steps("x", e.xs(), e.batch()), cs = TestSupport.steps("w", e.cs(), e.batch());
            return weightedSum(lstm.unroll(xs, h0, c0, 0).hidden(), cs);
        }

        @Override
        public String toString() {
            return "LSTM " + e;
        }
    }

    /** A GRU built from an example with its biases set and its initial hidden state as a parameter. */
    static final class GruModel {
        final Example e;
        final GRU gru;
        final Var h0;

        GruModel(Example e) {
            this.e = e;
            this.gru = new GRU("gru", e.xs().cols(), e.states().cols(), Init.XAVIER_NORMAL, Init.ORTHOGONAL, new Random(e.seed()));
            double[] b = e.bias().toFlatArray();
            int w = e.bias().cols();
            TestSupport.fill(gru.parameters().get(2), Tensor.of(1, w, Arrays.copyOfRange(b, 0, w)));
            TestSupport.fill(gru.parameters().get(3), Tensor.of(1, w, Arrays.copyOfRange(b, w, 2 * w)));
            this.h0 = e.state(0, "h0");
        }

        List<Var> parameters() {
            List<Var> ps = new ArrayList<>(gru.parameters());
            ps.add(h0);
            return ps;
        }

        Var loss() {
            List<Var> xs = TestSupport.steps("x", e.xs(), e.batch()), cs = TestSupport.steps("w", e.cs(), e.batch());
            return weightedSum(gru.forward(xs, h0, 0), cs);
        }

        @Override
        public String toString() {
            return "GRU " + e;
        }
    }

    static Gen<LstmModel> lstms() {
        return dims().flatMap(d -> Example.of(d, 1).map(LstmModel::new));
    }

    static Gen<GruModel> grus() {
        return dims().flatMap(d -> Example.of(d, 3 * d.hidden()).map(GruModel::new));
    }

    @Test
    void lstmGradCheckOverRandomLengths() {
        GradientProperties.gradCheck("LSTM", lstms(), LstmModel::parameters, LstmModel::loss)
                .tolerance(TestSupport.RELATIVE, TestSupport.ABSOLUTE)
                .examples(TestSupport.fewerExamples(5))
                .check();
    }

    @Test
    void gruGradCheckOverRandomLengths() {
        GradientProperties.gradCheck("GRU", grus(), GruModel::parameters, GruModel::loss)
                .tolerance(TestSupport.RELATIVE, TestSupport.ABSOLUTE)
                .examples(TestSupport.fewerExamples(5))
                .check();
    }

    @Test
    void lstmStepFollowsTheCellEquations() {
        LSTM lstm = new LSTM("cell", 1, 1, Init.ZEROS, Init.ZEROS, new Random(1));
        TestSupport.fill(lstm.inputWeight(), Tensor.row(0.5, -0.3, 0.8, 0.1));
        TestSupport.fill(lstm.recurrentWeight(), Tensor.row(0.2, 0.4, -0.6, 0.9));
        assertEquals(Tensor.row(0, 1, 0, 0), lstm.bias().value(), "forget-gate bias starts at 1");
        double x = 1.5, h0 = -0.4, c0 = 0.7;
        LSTM.Unrolled u = lstm.unroll(List.of(Var.input("x", Tensor.scalar(x))), Var.input("h0", Tensor.scalar(h0)),
                Var.input("c0", Tensor.scalar(c0)), 0);
        double i = sigmoid(0.5 * x + 0.2 * h0), f = sigmoid(-0.3 * x + 0.4 * h0 + 1), g = Math.tanh(0.8 * x - 0.6 * h0);
        double o = sigmoid(0.1 * x + 0.9 * h0);
        double c = f * c0 + i * g;
        assertEquals(c, u.cells().get(0).item(), 1e-15);
        assertEquals(o * Math.tanh(c), u.hidden().get(0).item(), 1e-15);
        // the cell scope makes three muls, f*c, i*g, o*tanh(c): names are unique within one entry
        assertEquals("cell/step0/cell/mul_2", u.hidden().get(0).name());
        assertEquals(List.of("cell/Wx", "cell/Wh", "cell/b"), List.copyOf(lstm.namedParameters().keySet()));
    }

    @Test
    void gruStepFollowsPyTorchsEquations() {
        GRU gru = new GRU("g", 1, 1, Init.ZEROS, Init.ZEROS, new Random(1));
        TestSupport.fill(gru.inputWeight(), Tensor.row(0.5, -0.3, 0.8));
        TestSupport.fill(gru.recurrentWeight(), Tensor.row(0.2, 0.4, -0.6));
        TestSupport.fill(gru.parameters().get(2), Tensor.row(0.1, 0.2, 0.3));
        TestSupport.fill(gru.parameters().get(3), Tensor.row(-0.1, 0.05, 0.4));
        double x = 1.5, h0 = -0.4;
        double r = sigmoid(0.5 * x + 0.1 + 0.2 * h0 - 0.1), z = sigmoid(-0.3 * x + 0.2 + 0.4 * h0 + 0.05);
        double n = Math.tanh(0.8 * x + 0.3 + r * (-0.6 * h0 + 0.4));
        List<Var> hs = gru.forward(List.of(Var.input("x", Tensor.scalar(x))), Var.input("h0", Tensor.scalar(h0)), 0);
        assertEquals((1 - z) * n + z * h0, hs.get(0).item(), 1e-15);
        assertEquals(List.of("g/Wx", "g/Wh", "g/bx", "g/bh"), List.copyOf(gru.namedParameters().keySet()));
    }

    @Test
    void truncationStopsGradientsAtTheCut() {
        Random rng = new Random(2);
        LSTM lstm = new LSTM("l", 2, 3, Init.XAVIER_NORMAL, Init.ORTHOGONAL, rng);
        GRU gru = new GRU("g", 2, 3, Init.XAVIER_NORMAL, Init.ORTHOGONAL, rng);
        List<Var> xs = new ArrayList<>(sequence(rng, 6, 1, 2));
        Var first = Var.param("x0", TestSupport.gaussian(rng, 1, 2, 1));
        xs.set(0, first);
        lstm.unroll(xs, null, null, 3).hidden().get(5).sum().backward();
        gru.forward(xs, null, 3).get(5).sum().backward();
        assertFalse(first.hasGrad());
        lstm.forward(xs).get(5).sum().backward();
        assertTrue(first.hasGrad());
        first.zeroGrad();
        gru.forward(xs).get(5).sum().backward();
        assertTrue(TestSupport.norm(first.grad()) > 0);
    }

    @Test
    void parameterCountsSummariesAndShapeErrors() {
        LSTM lstm = new LSTM("enc", 3, 5, new Random(1));
        GRU gru = new GRU("dec", 3, 5, new Random(1));
        assertEquals(4 * 5 * (3 + 5 + 1), lstm.parameterCount());
        assertEquals(3 * 5 * (3 + 5 + 2), gru.parameterCount());
        assertTrue(lstm.summary().contains("enc (LSTM)") && lstm.summary().contains("Wh 5x20")
                && lstm.summary().contains("Total params: 180"), lstm.summary());
        assertTrue(gru.summary().contains("dec (GRU)") && gru.summary().contains("Total params: 150"), gru.summary());
        ShapeException e = assertThrows(ShapeException.class, () -> lstm.forward(List.of(Var.input("a", Tensor.ones(2, 4)))));
        assertTrue(e.getMessage().contains("LSTM 'enc'") && e.getMessage().contains("2x4"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> lstm.unroll(List.of(Var.input("a", Tensor.ones(2, 3))), null,
                Var.input("c0", Tensor.ones(2, 4)), 0));
        assertTrue(e.getMessage().contains("cell state") && e.getMessage().contains("2x5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> gru.forward(List.of()));
    }
}
