package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.GradCheck;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

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

    @Test
    void lstmGradCheckOverRandomLengths() {
        qt().withExamples(TestSupport.fewerExamples(5))
                .forAll(integers().between(1, 12), integers().between(1, 3), integers().between(1, 3), longs().all())
                .checkAssert((length, in, hidden, seed) -> {
                    Random rng = new Random(seed);
                    int batch = 1 + rng.nextInt(2);
                    LSTM lstm = new LSTM("lstm", in, hidden, Init.XAVIER_NORMAL, Init.ORTHOGONAL, rng);
                    Var h0 = Var.param("h0", TestSupport.gaussian(rng, batch, hidden, 0.3));
                    Var c0 = Var.param("c0", TestSupport.gaussian(rng, batch, hidden, 0.3));
                    List<Var> xs = sequence(rng, length, batch, in);
                    List<Var> cs = sequence(rng, length, batch, hidden);
                    List<Var> params = new ArrayList<>(lstm.parameters());
                    params.add(h0);
                    params.add(c0);
                    TestSupport.assertGradCheck(GradCheck.check(
                            () -> weightedSum(lstm.unroll(xs, h0, c0, 0).hidden(), cs), params), "LSTM length " + length);
                });
    }

    @Test
    void gruGradCheckOverRandomLengths() {
        qt().withExamples(TestSupport.fewerExamples(5))
                .forAll(integers().between(1, 12), integers().between(1, 3), integers().between(1, 3), longs().all())
                .checkAssert((length, in, hidden, seed) -> {
                    Random rng = new Random(seed);
                    int batch = 1 + rng.nextInt(2);
                    GRU gru = new GRU("gru", in, hidden, Init.XAVIER_NORMAL, Init.ORTHOGONAL, rng);
                    for (Var b : gru.parameters().subList(2, 4)) TestSupport.fill(b, TestSupport.gaussian(rng, 1, 3 * hidden, 0.2));
                    Var h0 = Var.param("h0", TestSupport.gaussian(rng, batch, hidden, 0.3));
                    List<Var> xs = sequence(rng, length, batch, in);
                    List<Var> cs = sequence(rng, length, batch, hidden);
                    List<Var> params = new ArrayList<>(gru.parameters());
                    params.add(h0);
                    TestSupport.assertGradCheck(GradCheck.check(() -> weightedSum(gru.forward(xs, h0, 0), cs), params),
                            "GRU length " + length);
                });
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
