package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FloatFormats;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.BatchNorm;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Dropout;
import io.finitegrad.layers.GRU;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.LSTM;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.LayerNorm;
import io.finitegrad.layers.RNN;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.io.CheckpointFormatException;
import io.finitegrad.optim.io.DType;
import io.finitegrad.optim.io.NamedTensors;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.io.StateDictMismatchException;
import io.finitegrad.optim.io.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint.saveTorch / loadTorch: keys, shapes, transposes, biases, round trips and refusals. */
class TorchLayoutTest {
    @TempDir
    Path dir;

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    /** Every parameter drawn from N(0, 1) with {@code seed}, biases included, so a lost bias shows. */
    private static <L extends Layer> L randomised(L model, long seed) {
        Random rng = new Random(seed);
        for (Var p : model.parameters()) {
            double[] v = p.write().data;
            for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian();
        }
        return model;
    }

    private static Layer mlp(long seed) {
        Random rng = new Random(seed);
        return randomised(new Sequential(new Dense(3, 4, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense(4, 4, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng),
                new Dense(4, 2, Activation.LEAKY_RELU, Init.XAVIER_UNIFORM, rng)), seed);
    }

    private static Layer recurrent(String kind, long seed) {
        Random rng = new Random(seed);
        Layer rnn = switch (kind) {
            case "rnn" -> new RNN(3, 4, Activation.TANH, Init.XAVIER_UNIFORM, rng);
            case "relu" -> new RNN(3, 4, Activation.RELU, Init.XAVIER_UNIFORM, rng);
            case "lstm" -> new LSTM(3, 4, rng);
            case "gru" -> new GRU(3, 4, rng);
            default -> throw new IllegalArgumentException(kind);
        };
        return randomised(new Sequential(rnn, new Dense(4, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng)), seed);
    }

    private static List<Tensor> values(Layer model) {
        List<Tensor> out = new ArrayList<>();
        for (Var p : model.parameters()) out.add(p.value());
        return out;
    }

    private static Map<String, List<Long>> shapes(NamedTensors file) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (StoredTensor t : file.stored()) out.put(t.name(), t.shape());
        return out;
    }

    @Test
    void anMlpIsWrittenAsNnSequentialWithLinearsTransposedBiasesRank1AndItsModuleExpression() throws IOException {
        Layer a = mlp(1);
        Path f = dir.resolve("mlp.safetensors");
        Checkpoint.saveTorch(f, a);
        NamedTensors file = Safetensors.read(f);
        // TANH adds one module after the first Linear, IDENTITY none, LEAKY_RELU one at the end
        assertEquals(Map.of("0.weight", List.of(4L, 3L), "0.bias", List.of(4L), "2.weight", List.of(4L, 4L),
                "2.bias", List.of(4L), "3.weight", List.of(2L, 4L), "3.bias", List.of(2L)), shapes(file));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"),
                List.copyOf(file.tensors().keySet()));
        assertTrue(file.stored().stream().allMatch(t -> t.dtype().equals("F64")));
        assertEquals(Map.of("format", "pt", "module", "nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), "
                + "nn.Linear(4, 2), nn.LeakyReLU(0.01))"), file.metadata());

        Layer b = mlp(2);
        assertNotEquals(values(a), values(b));
        assertEquals(file.metadata(), Checkpoint.loadTorch(f, b));
        assertEquals(values(a), values(b), "saveTorch then loadTorch is the identity, bit for bit");
    }

    @Test
    void aSquareWeightIsWrittenAsPytorchsOutByInAndLoadsBackUntransposed() throws IOException {
        Layer a = mlp(3);
        Tensor w = ((Dense) ((Sequential) a).layers().get(1)).weight().value(); // 4x4
        Path f = dir.resolve("square.safetensors");
        Checkpoint.saveTorch(f, a);
        Tensor stored = Safetensors.read(f).tensors().get("2.weight");
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) assertEquals(w.get(i, j), stored.get(j, i), "W[in][out] = weight[out][in]");
        }
        assertNotEquals(w, stored, "the weight is not symmetric, so a missed transpose would show");
        Layer b = mlp(4);
        Checkpoint.loadTorch(f, b);
        assertEquals(w, ((Dense) ((Sequential) b).layers().get(1)).weight().value());
    }

    @Test
    void aHandWrittenPytorchLinearComputesXTimesWeightTransposedPlusBias() throws IOException {
        // nn.Linear(2, 2): y = x @ weight.T + bias, weight[out][in]
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("0.weight", Tensor.of(new double[][] {{1, 2}, {3, 4}}));
        state.put("0.bias", Tensor.row(10, 20));
        Path f = dir.resolve("linear.safetensors");
        Safetensors.write(f, state, Map.of("format", "pt"), io.finitegrad.optim.io.WriteOptions.DEFAULT
                .withDType(DType.F32).withRank1(java.util.Set.of("0.bias")));
        Layer m = new Sequential(new Dense(2, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(0)));
        Checkpoint.loadTorch(f, m);
        Tensor y = m.forward(Var.input("x", Tensor.row(1, 1))).value();
        assertEquals(Tensor.row(1 + 2 + 10, 3 + 4 + 20), y);
    }

    @Test
    void recurrentModelsRoundTripWithPytorchsKeysAndASingleBiasSplitAsBAndZeros() throws IOException {
        for (String kind : List.of("rnn", "relu", "lstm", "gru")) {
            Layer a = recurrent(kind, 5);
            Path f = dir.resolve(kind + ".safetensors");
            Checkpoint.saveTorch(f, a);
            NamedTensors file = Safetensors.read(f);
            int gates = switch (kind) {
                case "lstm" -> 16;
                case "gru" -> 12;
                default -> 4;
            };
            assertEquals(Map.of("rnn.weight_ih_l0", List.of((long) gates, 3L), "rnn.weight_hh_l0", List.of((long) gates, 4L),
                    "rnn.bias_ih_l0", List.of((long) gates), "rnn.bias_hh_l0", List.of((long) gates),
                    "head.weight", List.of(2L, 4L), "head.bias", List.of(2L)), shapes(file), kind);
            Tensor bih = file.tensors().get("rnn.bias_ih_l0"), bhh = file.tensors().get("rnn.bias_hh_l0");
            Tensor b = ((Sequential) a).layers().get(0).parameters().get(2).value();
            assertEquals(b, bih, kind + ": bias_ih is b (GRU: bx)");
            if (kind.equals("gru")) {
                assertEquals(((GRU) ((Sequential) a).layers().get(0)).recurrentBias().value(), bhh, "GRU: bias_hh is bh");
            } else {
                assertEquals(Tensor.zeros(1, gates), bhh, kind + ": bias_hh is zeros");
            }
            Layer c = recurrent(kind, 6);
            Checkpoint.loadTorch(f, c);
            assertEquals(values(a), values(c), kind + ": round trip");
        }
        assertEquals("Recurrent(nn.RNN(3, 4, nonlinearity='relu', batch_first=True), nn.Linear(4, 2))",
                Safetensors.read(dir.resolve("relu.safetensors")).metadata().get("module"));
        assertEquals("Recurrent(nn.LSTM(3, 4, batch_first=True), nn.Linear(4, 2))",
                Safetensors.read(dir.resolve("lstm.safetensors")).metadata().get("module"));
    }

    @Test
    void aSingleRecurrentBiasLoadsAsTheSumOfPytorchsTwo() throws IOException {
        Layer a = recurrent("lstm", 7);
        Path f = dir.resolve("lstm.safetensors");
        Checkpoint.saveTorch(f, a);
        Map<String, Tensor> state = new LinkedHashMap<>(Safetensors.read(f).tensors());
        state.put("rnn.bias_ih_l0", Tensor.full(1, 16, 0.25));
        state.put("rnn.bias_hh_l0", Tensor.full(1, 16, 0.5));
        Safetensors.write(f, state, Map.of());
        Checkpoint.loadTorch(f, a);
        assertEquals(Tensor.full(1, 16, 0.75), ((LSTM) ((Sequential) a).layers().get(0)).bias().value());
    }

    @Test
    void f32F16AndBf16FilesLoadAsTheirRoundedValues() throws IOException {
        Layer a = mlp(8);
        double w = a.parameters().get(0).value().get(0, 0);
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            Path f = dir.resolve(t + ".safetensors");
            Checkpoint.saveTorch(f, a, t);
            assertEquals(t.name(), Safetensors.read(f).stored().get(0).dtype());
            Layer b = mlp(9);
            Checkpoint.loadTorch(f, b);
            double expected = switch (t) {
                case F32 -> FloatFormats.doubleToFloat(w);
                case F16 -> FloatFormats.halfToDouble(FloatFormats.doubleToHalf(w));
                case BF16 -> FloatFormats.bfloat16ToDouble(FloatFormats.doubleToBfloat16(w));
                case F64 -> w;
            };
            assertEquals(expected, b.parameters().get(0).value().get(0, 0), t.name());
        }
    }

    @Test
    void theNativeAndThePytorchLayoutsNeverLoadAsEachOther() throws IOException {
        Layer a = mlp(10);
        Path nativeFile = dir.resolve("native.safetensors"), torchFile = dir.resolve("torch.safetensors");
        Checkpoint.saveModel(nativeFile, a);
        Checkpoint.saveTorch(torchFile, a);
        Layer b = mlp(11);
        List<Tensor> before = values(b);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadTorch(nativeFile, b));
        assertContains(e.getMessage(), "native.safetensors");
        assertContains(e.getMessage(), "missing '0.weight'");
        assertContains(e.getMessage(), "load it with Checkpoint.loadModel");
        assertEquals(6, assertInstanceOf(StateDictMismatchException.class, e.getCause()).unexpected().size());
        e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadModel(torchFile, b));
        assertContains(e.getMessage(), "unexpected '0.weight'");
        assertContains(e.getMessage(), "load it with Checkpoint.loadTorch");
        assertEquals(before, values(b));
    }

    @Test
    void aFileThatDoesNotFitIsRefusedNamingEveryProblemAndChangesNothing() throws IOException {
        Layer a = mlp(12);
        Path f = dir.resolve("bad.safetensors");
        Checkpoint.saveTorch(f, a);
        Map<String, Tensor> state = new LinkedHashMap<>(Safetensors.read(f).tensors());
        state.remove("3.bias");
        state.put("0.weight", Tensor.zeros(3, 4)); // in x out, as finitegrad's W: not PyTorch's shape
        state.put("2.bias", Tensor.of(1, 4, 0, Double.NaN, 0, 0));
        state.put("4.weight", Tensor.zeros(2, 2));
        Safetensors.write(f, state, Map.of("format", "pt"));
        Layer b = mlp(13);
        List<Tensor> before = values(b);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadTorch(f, b));
        StateDictMismatchException m = assertInstanceOf(StateDictMismatchException.class, e.getCause());
        assertEquals(List.of("3.bias"), m.missing());
        assertEquals(List.of("4.weight"), m.unexpected());
        assertEquals(List.of("0.weight"), m.shapeMismatches());
        assertEquals(List.of("2.bias"), m.nonFinite());
        assertContains(e.getMessage(), "bad.safetensors does not fit the PyTorch layout of Sequential '");
        assertContains(e.getMessage(), "'0.weight' is 3x4 in the file but 4x3 in the model");
        assertEquals(before, values(b));
    }

    @Test
    void aSummedBiasThatOverflowsIsRefusedAndChangesNothing() throws IOException {
        Layer a = recurrent("rnn", 14);
        Path f = dir.resolve("big.safetensors");
        Checkpoint.saveTorch(f, a);
        Map<String, Tensor> state = new LinkedHashMap<>(Safetensors.read(f).tensors());
        state.put("rnn.bias_ih_l0", Tensor.full(1, 4, 1e308));
        state.put("rnn.bias_hh_l0", Tensor.full(1, 4, 1e308));
        Safetensors.write(f, state, Map.of());
        Layer b = recurrent("rnn", 15);
        List<Tensor> before = values(b);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadTorch(f, b));
        assertContains(e.getMessage(), "rnn.bias_ih_l0 + rnn.bias_hh_l0 overflows");
        assertContains(e.getMessage(), "/b'");
        assertEquals(before, values(b));
    }

    @Test
    void aFileOfAnotherModuleIsRefusedEvenWhenItsKeysAndShapesFit() throws IOException {
        Random rng = new Random(18);
        Layer tanh = randomised(new Sequential(new Dense(2, 3, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense(3, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng)), 18);
        Layer relu = new Sequential(new Dense(2, 3, Activation.RELU, Init.XAVIER_UNIFORM, rng),
                new Dense(3, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        Path f = dir.resolve("tanh.safetensors");
        Checkpoint.saveTorch(f, tanh);
        List<Tensor> before = values(relu);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadTorch(f, relu));
        assertContains(e.getMessage(), "tanh.safetensors holds the module nn.Sequential(nn.Linear(2, 3), nn.Tanh(), "
                + "nn.Linear(3, 1)), but Sequential '");
        assertContains(e.getMessage(), "is nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))");
        assertEquals(before, values(relu));
    }

    @Test
    void metadataIsKeptAfterFormatAndModuleWhichItMayNotChange() throws IOException {
        Path f = dir.resolve("meta.safetensors");
        Checkpoint.saveTorch(f, mlp(16), DType.F32, Map.of("classes", "a,b"));
        assertEquals(List.of("format", "module", "classes"), List.copyOf(Safetensors.read(f).metadata().keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.saveTorch(f, mlp(16), DType.F64, Map.of("format", "finitegrad")));
        assertContains(e.getMessage(), "Checkpoint.saveTorch: metadata 'format' = 'finitegrad' clashes");
    }

    /** A model with no PyTorch layout, and what the refusal must say. */
    private record Unmappable(Supplier<Layer> model, String... says) {
    }

    @Test
    void modelsWithoutAPytorchLayoutAreRefusedNamingTheLayerAndWhyBeforeAnyFileIsTouched() throws IOException {
        Random rng = new Random(0);
        Dense shared = new Dense("shared", 4, 4, Activation.TANH, Init.XAVIER_UNIFORM, rng);
        List<Unmappable> cases = List.of(
                new Unmappable(() -> new Dense("alone", 2, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng),
                        "Dense 'alone' has no PyTorch layout", "only a Sequential"),
                new Unmappable(() -> new Sequential(new Dense(2, 3, Activation.RELU, Init.XAVIER_UNIFORM, rng),
                        new BatchNorm("bn", 3, 1e-5, 0.1)), "layer 1 'bn' (BatchNorm)", "only Dense layers map"),
                new Unmappable(() -> new Sequential(new Dense(2, 3, Activation.RELU, Init.XAVIER_UNIFORM, rng),
                        new LayerNorm("ln", 3, 1e-5)), "layer 1 'ln' (LayerNorm)"),
                new Unmappable(() -> new Sequential(new Dense(2, 3, Activation.RELU, Init.XAVIER_UNIFORM, rng),
                        new Dropout("drop", 0.5, rng)), "layer 1 'drop' (Dropout)"),
                new Unmappable(() -> new Sequential(new Sequential(new Dense("inner", 2, 3, Activation.RELU,
                        Init.XAVIER_UNIFORM, rng))), "layer 0 '", "(Sequential)"),
                new Unmappable(() -> new Sequential(shared, shared), "layer 1 'shared' (Dense) is used twice"),
                new Unmappable(() -> new Sequential(new Dense("d1", 2, 3, Activation.RELU, Init.XAVIER_UNIFORM, rng),
                        new Dense("d2", 4, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng)),
                        "layer 1 'd2' (Dense) takes 4 inputs but layer 0 gives 3"),
                new Unmappable(() -> new Sequential(new RNN("sig", 2, 3, Activation.SIGMOID, Init.XAVIER_UNIFORM, rng),
                        new Dense(3, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng)),
                        "'sig' (RNN) has activation SIGMOID", "'tanh' or 'relu'"),
                new Unmappable(() -> new Sequential(new LSTM("seq", 2, 3, rng).returnSequences(true),
                        new Dense(3, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng)), "'seq' (LSTM) returns sequences"),
                new Unmappable(() -> new Sequential(new GRU(2, 3, rng),
                        new Dense("soft", 3, 1, Activation.SIGMOID, Init.XAVIER_UNIFORM, rng)),
                        "head 'soft' (Dense) has activation SIGMOID", "plain nn.Linear"),
                new Unmappable(() -> new Sequential(new GRU(2, 3, rng),
                        new Dense("wide", 4, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng)),
                        "head 'wide' (Dense) takes 4 inputs but"),
                new Unmappable(() -> new Sequential(new GRU(2, 3, rng),
                        new Dense(3, 3, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                        new Dense(3, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng)),
                        "a recurrent model maps as Sequential(RNN|LSTM|GRU, Dense)"),
                new Unmappable(() -> new Sequential(new Dense(2, 2, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                        new LSTM("late", 2, 3, rng)), "layer 1 'late' (LSTM)"));
        Path absent = dir.resolve("never.safetensors");
        Path existing = dir.resolve("existing.safetensors");
        Checkpoint.saveTorch(existing, mlp(17));
        byte[] bytes = Files.readAllBytes(existing);
        for (Unmappable u : cases) {
            Layer model = u.model().get();
            IllegalArgumentException save = assertThrows(IllegalArgumentException.class, () -> Checkpoint.saveTorch(absent, model));
            for (String part : u.says()) assertContains(save.getMessage(), part);
            assertContains(save.getMessage(), "has no PyTorch layout");
            assertFalse(Files.exists(absent), save.getMessage());
            IllegalArgumentException load = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadTorch(existing, model));
            assertEquals(save.getMessage(), load.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Checkpoint.saveTorch(existing, model));
            assertArrayEquals(bytes, Files.readAllBytes(existing), save.getMessage());
        }
    }
}
