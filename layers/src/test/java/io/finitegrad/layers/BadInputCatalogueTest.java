package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.ShapeException;
import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layers module's bad-input catalogue: each line is a spec, "this input gets this exception,
 * whose message names these culprits" (the layer's type and name, the input's name and shape, the
 * parameter and its bad value).
 */
class BadInputCatalogueTest {
    /** A call that must fail. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** One spec line: the input, the exception type and the words its message must contain. */
    record Case(Class<? extends Throwable> type, Call call, String... culprits) {
    }

    private static Named<Case> spec(String line, Class<? extends Throwable> type, Call call, String... culprits) {
        return Named.of(line, new Case(type, call, culprits));
    }

    private static final Class<IllegalArgumentException> IAE = IllegalArgumentException.class;

    private static Var x(int rows, int cols) {
        return Var.input("x", Tensor.full(rows, cols, 0.5));
    }

    private static Random rng() {
        return new Random(7);
    }

    private static Dense dense(String name, int in, int out) {
        return new Dense(name, in, out, Activation.TANH, Init.XAVIER_UNIFORM, rng());
    }

    static Stream<Named<Case>> wrongInputs() {
        Dense d = dense("d1", 3, 2);
        RNN rnn = new RNN("r1", 3, 4, Activation.TANH, Init.XAVIER_UNIFORM, rng());
        LSTM lstm = new LSTM("l1", 3, 4, rng());
        GRU gru = new GRU("g1", 3, 4, rng());
        return Stream.of(
                spec("4 features into Dense of 3 inputs", ShapeException.class, () -> d.forward(x(2, 4)),
                        "Dense 'd1'", "batch x 3", "'x' 2x4", "W is 3x2"),
                spec("a mismatch in the middle of a Sequential", ShapeException.class,
                        () -> new Sequential(dense("a1", 3, 5), dense("a2", 4, 1)).forward(x(2, 3)), "Dense 'a2'", "batch x 4", "2x5"),
                spec("width 5 into RNN of 3 inputs", ShapeException.class, () -> rnn.forward(x(2, 5)), "RNN 'r1'", "'x' is 2x5",
                        "width 5", "in = 3"),
                spec("width 4 into LSTM of 3 inputs", ShapeException.class, () -> lstm.forward(x(2, 4)), "LSTM 'l1'", "2x4", "in = 3"),
                spec("width 2 into GRU of 3 inputs", ShapeException.class, () -> gru.forward(x(1, 2)), "GRU 'g1'", "1x2", "in = 3"),
                spec("a step of the wrong width", ShapeException.class, () -> rnn.forward(List.of(x(2, 3), x(2, 2))), "RNN 'r1'",
                        "step 1", "2x2", "2x3"),
                spec("steps of different batch sizes", ShapeException.class, () -> gru.forward(List.of(x(2, 3), x(3, 3))), "GRU 'g1'",
                        "step 1", "3x3", "same batch size"),
                spec("an empty sequence", IAE, () -> lstm.forward(List.<Var>of()), "LSTM 'l1'", "empty sequence"),
                spec("a null step", IAE, () -> rnn.forward(java.util.Arrays.asList(x(2, 3), null)), "RNN 'r1'", "step 1", "null"),
                spec("an initial state of the wrong shape", ShapeException.class, () -> rnn.forward(List.of(x(2, 3)), x(2, 5)),
                        "RNN 'r1'", "initial state", "2x5", "2x4"),
                spec("a negative truncation window", IAE, () -> rnn.truncateEvery(-1), "RNN 'r1'", "truncateEvery", "-1"),
                spec("2 features into BatchNorm of 3", ShapeException.class, () -> new BatchNorm("bn1", 3, 1e-5, 0.1).forward(x(4, 2)),
                        "BatchNorm 'bn1'", "batch x 3", "4x2"),
                spec("one row into BatchNorm in training mode", IAE, () -> new BatchNorm("bn2", 3, 1e-5, 0.1).forward(x(1, 3)),
                        "BatchNorm 'bn2'", "1x3", "more than 1 row", "eval()"),
                spec("5 features into LayerNorm of 3", ShapeException.class, () -> new LayerNorm("ln1", 3, 1e-5).forward(x(2, 5)),
                        "LayerNorm 'ln1'", "batch x 3", "2x5"),
                spec("a null input into Dense", IAE, () -> d.forward(null), "Dense 'd1'", "input", "null"),
                spec("a null input into an RNN", IAE, () -> rnn.forward((Var) null), "RNN 'r1'", "input", "null"),
                spec("a null input into BatchNorm", IAE, () -> new BatchNorm("bn3", 3, 1e-5, 0.1).forward(null), "BatchNorm 'bn3'", "null"),
                spec("a null input into LayerNorm", IAE, () -> new LayerNorm("ln2", 3, 1e-5).forward(null), "LayerNorm 'ln2'", "null"),
                spec("a null input into Dropout", IAE, () -> new Dropout("do1", 0.5, rng()).forward(null), "Dropout 'do1'", "null"),
                spec("a null input into a Sequential", IAE, () -> new Sequential(dense("s1", 2, 2)).forward(null), "Sequential", "null"));
    }

    static Stream<Named<Case>> sizes() {
        return Stream.of(
                spec("Dense with in = 0", IAE, () -> dense("z1", 0, 3), "Dense 'z1'", "in = 0"),
                spec("Dense with a negative out", IAE, () -> dense("z2", 3, -2), "Dense 'z2'", "out = -2"),
                spec("Dense whose W overflows an int", IAE, () -> dense("z3", 100_000, 100_000), "Dense 'z3'", "W",
                        "100000 x 100000", "10000000000 elements"),
                spec("RNN with hidden = 0", IAE, () -> new RNN("z4", 3, 0, Activation.TANH, Init.ORTHOGONAL, rng()), "RNN 'z4'",
                        "hidden = 0"),
                spec("RNN whose Wh overflows an int", IAE, () -> new RNN("z5", 1, 50_000, Activation.TANH, Init.ORTHOGONAL, rng()),
                        "RNN 'z5'", "Wh", "50000 x 50000"),
                spec("LSTM with in = -1", IAE, () -> new LSTM("z6", -1, 4, rng()), "LSTM 'z6'", "in = -1"),
                spec("LSTM whose 4 gates overflow an int", IAE, () -> new LSTM("z7", 1, 1_000_000_000, rng()), "LSTM 'z7'", "Wx",
                        "1 x 4000000000"),
                spec("GRU with a negative hidden size", IAE, () -> new GRU("z8", 3, -4, rng()), "GRU 'z8'", "hidden = -4"),
                spec("GRU whose 3 gates overflow an int", IAE, () -> new GRU("z9", 40_000, 40_000, rng()), "GRU 'z9'", "Wx",
                        "40000 x 120000"),
                spec("BatchNorm of 0 features", IAE, () -> new BatchNorm("z10", 0, 1e-5, 0.1), "BatchNorm 'z10'", "features", "0"),
                spec("BatchNorm of more features than a tensor holds", IAE,
                        () -> new BatchNorm("z11", Integer.MAX_VALUE, 1e-5, 0.1), "BatchNorm 'z11'", "gamma", String.valueOf(Integer.MAX_VALUE)),
                spec("LayerNorm of -3 features", IAE, () -> new LayerNorm("z12", -3, 1e-5), "LayerNorm 'z12'", "features", "-3"),
                spec("an initialiser asked for 0 x 3", IAE, () -> Init.HE_NORMAL.init(0, 3, rng()), "Init.HE_NORMAL", "fanIn = 0"),
                spec("an initialiser asked for 2^34 weights", IAE, () -> Init.ZEROS.init(131_072, 131_072, rng()), "Init.ZEROS",
                        "131072 x 131072", "17179869184 elements"));
    }

    static Stream<Named<Case>> hyperparameters() {
        return Stream.of(
                spec("Dropout with a NaN rate", IAE, () -> new Dropout("h1", Double.NaN, rng()), "Dropout 'h1'", "p", "NaN"),
                spec("Dropout with rate 1.5", IAE, () -> new Dropout("h2", 1.5, rng()), "Dropout 'h2'", "[0, 1]", "1.5"),
                spec("Dropout with a negative rate", IAE, () -> new Dropout("h3", -0.1, rng()), "-0.1"),
                spec("BatchNorm with a NaN epsilon", IAE, () -> new BatchNorm("h4", 3, Double.NaN, 0.1), "BatchNorm 'h4'", "epsilon", "NaN"),
                spec("BatchNorm with a negative epsilon", IAE, () -> new BatchNorm("h5", 3, -1e-5, 0.1), "epsilon", "-1.0E-5"),
                spec("BatchNorm with momentum 1.5", IAE, () -> new BatchNorm("h6", 3, 1e-5, 1.5), "BatchNorm 'h6'", "momentum", "1.5"),
                spec("BatchNorm with a NaN momentum", IAE, () -> new BatchNorm("h7", 3, 1e-5, Double.NaN), "momentum", "NaN"),
                spec("LayerNorm with an infinite epsilon", IAE, () -> new LayerNorm("h8", 3, Double.POSITIVE_INFINITY), "LayerNorm 'h8'",
                        "epsilon", "Infinity"),
                spec("Init.normal with a NaN std", IAE, () -> Init.normal(Double.NaN), "Init.normal", "std", "NaN"),
                spec("Init.uniform with a negative limit", IAE, () -> Init.uniform(-1), "Init.uniform", "limit", "-1.0"),
                spec("an unknown initialiser name", IAE, () -> Init.parse("glorot_fancy"), "Init.parse", "'glorot_fancy'", "HE_NORMAL"),
                spec("bce with a NaN eps", IAE, () -> Losses.bce(x(2, 1), x(2, 1), Double.NaN), "eps", "NaN"));
    }

    static Stream<Named<Case>> nullsAndContainers() {
        return Stream.of(
                spec("Dense with a null activation", IAE, () -> new Dense("n1", 2, 2, null, Init.HE_NORMAL, rng()), "Dense 'n1'",
                        "activation"),
                spec("Dense with a null rng", IAE, () -> new Dense("n2", 2, 2, Activation.RELU, Init.HE_NORMAL, null), "Dense 'n2'", "rng"),
                spec("RNN with a null activation", IAE, () -> new RNN("n3", 2, 2, null, Init.HE_NORMAL, rng()), "RNN 'n3'", "activation",
                        "null"),
                spec("LSTM with a null recurrent initialiser", IAE, () -> new LSTM("n4", 2, 2, Init.HE_NORMAL, null, rng()), "LSTM 'n4'",
                        "recurrent initialiser", "null"),
                spec("GRU with a null random source", IAE, () -> new GRU("n5", 2, 2, null), "GRU 'n5'", "random source", "null"),
                spec("Dropout with a null rng", IAE, () -> new Dropout("n6", 0.5, null), "Dropout 'n6'", "rng", "null"),
                spec("an initialiser with a null rng", IAE, () -> Init.XAVIER_NORMAL.init(2, 2, null), "Init.XAVIER_NORMAL", "rng"),
                spec("a layer name with a slash", IAE, () -> dense("a/b", 2, 2), "Dense", "'a/b'", "'/'"),
                spec("an empty layer name", IAE, () -> new LayerNorm("", 2, 1e-5), "LayerNorm", "non-empty"),
                spec("a Sequential of nothing", IAE, () -> new Sequential(), "Sequential", "no layers"),
                spec("a Sequential with a null layer", IAE, () -> new Sequential(dense("q1", 2, 2), null), "Sequential", "layer 1", "null"),
                spec("a Sequential of two layers of one name", IAE, () -> new Sequential(dense("same", 2, 2), dense("same", 2, 2)),
                        "Sequential", "same/W"),
                spec("mse of 2x1 and 3x1", ShapeException.class, () -> Losses.mse(x(2, 1), Var.input("y", Tensor.full(3, 1, 0))),
                        "mse", "2x1", "3x1"),
                spec("a class index past the logits", IAE, () -> Losses.softmaxCrossEntropy(x(2, 3), new int[] {0, 3}),
                        "class index 3", "row 1", "[0, 3)"),
                spec("one class index for two rows", ShapeException.class, () -> Losses.softmaxCrossEntropy(x(2, 3), new int[] {0}),
                        "one class index per row", "2x3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"wrongInputs", "sizes", "hyperparameters", "nullsAndContainers"})
    void badInputIsRefusedNamingTheCulprit(Case c) {
        Throwable e = assertThrows(c.type(), c.call()::run);
        String message = String.valueOf(e.getMessage());
        for (String culprit : c.culprits()) {
            assertTrue(message.contains(culprit), () -> "message does not name '" + culprit + "': " + message);
        }
    }
}
