package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.autodiff.proptest.TensorGens;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Recurrent layers as ordinary layers: a batch of sequences as one n x (T*in) step-major matrix. */
class RecurrentMatrixFormTest {

    /** Step t of a step-major matrix, cut out by hand (columns t*in .. t*in+in-1), not by the layer. */
    private static Tensor step(Tensor x, int t, int in) {
        double[] v = new double[x.rows() * in];
        for (int r = 0; r < x.rows(); r++) {
            for (int j = 0; j < in; j++) v[r * in + j] = x.get(r, t * in + j);
        }
        return Tensor.of(x.rows(), in, v);
    }

    private static List<Var> steps(Tensor x, int in) {
        List<Var> xs = new ArrayList<>();
        for (int t = 0; t < x.cols() / in; t++) xs.add(Var.input("x" + t, step(x, t, in)));
        return xs;
    }

    private static RecurrentLayer layer(int kind, int in, int hidden, Random rng) {
        return switch (kind) {
            case 0 -> new RNN("r", in, hidden, Activation.TANH, Init.XAVIER_NORMAL, Init.ORTHOGONAL, rng);
            case 1 -> new LSTM("l", in, hidden, rng);
            default -> new GRU("g", in, hidden, rng);
        };
    }

    /** A layer kind (RNN, LSTM, GRU), a sequence of {@code length} steps of {@code in} features and a seed for the weights. */
    record Example(int kind, int length, int in, Tensor x, long seed) {
        @Override
        public String toString() {
            return "kind " + kind + ", length " + length + ", in " + in + ", seed " + seed + ", x " + TensorGens.describe(x);
        }
    }

    /** Sizes first, then a batch x (length * in) sequence drawn by the kit for them. */
    static Gen<Example> sequences() {
        return Generate.range(0, 2).zip(Generate.range(1, 6), Generate.range(1, 3), Generate.range(1, 3),
                (kind, length, in, batch) -> new int[] {kind, length, in, batch})
                .flatMap(d -> TestSupport.uniformTensors(d[3], d[1] * d[2], 2).zip(Generate.longRange(Long.MIN_VALUE, Long.MAX_VALUE),
                        (x, seed) -> new Example(d[0], d[1], d[2], x, seed)));
    }

    @Test
    void theMatrixFormEqualsTheListFormStepByStep() {
        qt().withExamples(TestSupport.fewerExamples(5))
                .forAll(sequences())
                .checkAssert(e -> {
                    int kind = e.kind(), length = e.length(), in = e.in(), batch = e.x().rows();
                    Random rng = new Random(e.seed());
                    int hidden = 1 + rng.nextInt(3);
                    RecurrentLayer cell = layer(kind, in, hidden, rng);
                    Tensor x = e.x();
                    List<Var> expected = cell.forward(steps(x, in));

                    Var last = cell.forward(Var.input("x", x));
                    assertEquals(expected.get(length - 1).value(), last.value(), cell.toString());

                    Tensor all = cell.returnSequences(true).forward(Var.input("x", x)).value();
                    assertEquals(batch + "x" + (length * hidden), all.rows() + "x" + all.cols());
                    for (int t = 0; t < length; t++) assertEquals(expected.get(t).value(), step(all, t, hidden), "step " + t);
                });
    }

    @Test
    void returnSequencesIsACopySharingTheParameters() {
        RNN rnn = new RNN("enc", 2, 3, Activation.TANH, Init.XAVIER_UNIFORM, new Random(1));
        RNN seq = rnn.returnSequences(true);
        assertTrue(seq.returnsSequences());
        assertFalse(rnn.returnsSequences(), "the original is unchanged");
        assertEquals("enc", seq.name());
        for (int i = 0; i < 3; i++) assertSame(rnn.parameters().get(i), seq.parameters().get(i));
        Var x = Var.input("x", TestSupport.gaussian(new Random(2), 4, 5 * 2, 1));
        assertEquals("4x3", rnn.forward(x).shape());
        assertEquals("4x15", seq.forward(x).shape());
        assertEquals("enc/concatCols", seq.forward(x).name());
        assertTrue(seq.summary().contains("?x(T*2)") && seq.summary().contains("?x(T*3)"), seq.summary());
    }

    @Test
    void theMatrixFormOpensTheSameStepScopes() {
        RNN rnn = new RNN("enc", 1, 2, Activation.TANH, Init.XAVIER_UNIFORM, new Random(1));
        Var h = rnn.forward(Var.input("x", Tensor.ones(3, 4)));
        assertEquals("enc/step3/tanh", h.name());
        Var matmul = h.parents().get(0).parents().get(0).parents().get(0); // tanh(x_t Wx + h Wh + b)
        assertEquals("enc/step3/matmul", matmul.name());
        assertEquals("enc/step3/sliceCols", matmul.parents().get(0).name());
        assertEquals(rnn.inputWeight(), matmul.parents().get(1));
    }

    @Test
    void aWidthThatIsNotAMultipleOfInIsAShapeErrorNamingLayerWidthAndIn() {
        GRU gru = new GRU("dec", 3, 4, new Random(1));
        ShapeException e = assertThrows(ShapeException.class, () -> gru.forward(Var.input("seq", Tensor.ones(2, 7))));
        String m = e.getMessage();
        assertTrue(m.contains("GRU 'dec'") && m.contains("'seq'") && m.contains("2x7") && m.contains("width 7")
                && m.contains("in = 3"), m);
    }

    @Test
    void truncateEveryIsALayerSettingThatBothFormsHonour() {
        Random rng = new Random(4);
        RNN rnn = new RNN("r", 2, 3, Activation.TANH, Init.XAVIER_NORMAL, Init.ORTHOGONAL, rng);
        Tensor x = TestSupport.gaussian(rng, 2, 9 * 2, 1.0);

        rnn.truncateEvery(4).forward(Var.input("x", x)).sum().backward();
        Tensor truncatedMatrix = rnn.inputWeight().grad();
        rnn.inputWeight().zeroGrad();
        rnn.forward(steps(x, 2), null, 4).get(8).sum().backward();
        Tensor truncatedList = rnn.inputWeight().grad();
        rnn.inputWeight().zeroGrad();
        rnn.truncateEvery(4).forward(steps(x, 2)).get(8).sum().backward();
        Tensor truncatedListSetting = rnn.inputWeight().grad();
        rnn.inputWeight().zeroGrad();
        rnn.forward(Var.input("x", x)).sum().backward();
        Tensor full = rnn.inputWeight().grad();

        assertEquals(truncatedList, truncatedMatrix);
        assertEquals(truncatedList, truncatedListSetting);
        assertNotEquals(full, truncatedMatrix, "truncation must cut some gradient paths");
        assertEquals(4, rnn.truncateEvery(4).truncateEvery());
        assertThrows(IllegalArgumentException.class, () -> rnn.truncateEvery(-1));
    }

    @Test
    void aSequentialOfAnRnnAndADenseHeadIsOneLayerWithOneSummary() {
        LayerNames.reset();
        Random rng = new Random(1);
        Sequential net = new Sequential(new RNN(1, 8, Activation.TANH, Init.ORTHOGONAL, rng),
                new Dense(8, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        assertEquals("5x2", net.forward(Var.input("x", Tensor.ones(5, 20))).shape());
        String s = net.summary();
        assertTrue(s.startsWith("Sequential 'sequential1'"), s);
        assertTrue(s.lines().anyMatch(l -> l.startsWith("rnn1 (RNN, tanh)") && l.contains("?x(T*1)") && l.contains("?x8")
                && l.contains("Wx 1x8, Wh 8x8, b 1x8") && l.trim().endsWith("80")), s);
        assertTrue(s.lines().anyMatch(l -> l.startsWith("dense1 (Dense)") && l.contains("?x8") && l.contains("?x2")), s);
        assertTrue(s.contains("Total params: 98"), s); // 8 + 64 + 8 + 16 + 2
    }

    @Test
    void stateDictHoldsParametersThenBuffersByUniqueName() {
        LayerNames.reset();
        Random rng = new Random(1);
        Sequential net = new Sequential(new GRU(2, 3, rng), new BatchNorm(3, 1e-5, 0.1),
                new Dense(3, 1, Activation.IDENTITY, Init.ZEROS, rng));
        assertEquals(List.of("gru1/Wx", "gru1/Wh", "gru1/bx", "gru1/bh", "batchnorm1/gamma", "batchnorm1/beta",
                "dense1/W", "dense1/b", "batchnorm1/running_mean", "batchnorm1/running_var"),
                List.copyOf(net.stateDict().keySet()));
        assertSame(net.parameters().get(0), net.stateDict().get("gru1/Wx"));
        assertThrows(UnsupportedOperationException.class, () -> net.stateDict().clear());
        assertEquals(List.copyOf(net.namedParameters().values()), net.parameters());
        assertEquals((2 * 9 + 3 * 9 + 9 + 9) + (3 + 3) + (3 + 1), net.parameterCount());
    }

    @Test
    void aLayerStartsInTrainingModeAndEvalReachesRecurrentLayersToo() {
        RNN rnn = new RNN(1, 2, Activation.TANH, Init.ZEROS, new Random(1));
        Sequential net = new Sequential(rnn);
        assertTrue(rnn.isTraining());
        net.eval();
        assertFalse(rnn.isTraining());
        assertFalse(net.isTraining());
    }

    @Test
    void badConstructorArgumentsNameTheLayerAndTheArgument() {
        Random rng = new Random(1);
        String m = assertThrows(IllegalArgumentException.class,
                () -> new RNN("enc", 2, 3, null, Init.ZEROS, rng)).getMessage();
        assertTrue(m.contains("RNN 'enc'") && m.contains("activation"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new LSTM("enc", 0, 3, rng)).getMessage();
        assertTrue(m.contains("LSTM 'enc'") && m.contains("in = 0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new GRU("enc", 2, 3, null)).getMessage();
        assertTrue(m.contains("GRU 'enc'") && m.contains("random source"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new GRU("a/b", 2, 3, rng)).getMessage();
        assertTrue(m.contains("GRU") && m.contains("'a/b'"), m);
    }
}
