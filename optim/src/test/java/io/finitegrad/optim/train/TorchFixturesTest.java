package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.GRU;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.LSTM;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.RNN;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.io.DType;
import io.finitegrad.optim.io.NamedTensors;
import io.finitegrad.optim.io.Safetensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * finitegrad against PyTorch 1.13 itself, both ways, through the fixtures that
 * {@code src/test/resources/torch/torch_fixtures.py} wrote (see its docstring). Errors are
 * relative to the largest |logit| of the fixture: max |finitegrad - PyTorch| / max |PyTorch|.
 */
class TorchFixturesTest {
    /** Where -Dtorch.fixtures.write=true writes the exported files, relative to the module (Maven's working directory). */
    private static final Path SOURCE = Path.of("src", "test", "resources", "torch");
    private static final double F64_TOLERANCE = 1e-12;
    private static final double F32_TOLERANCE = 1e-6;

    @TempDir
    Path dir;

    private static Path fixture(String file) {
        URL url = TorchFixturesTest.class.getResource("/torch/" + file);
        if (url == null) throw new IllegalStateException("test resource torch/" + file + " is missing");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The finitegrad twin of each reference module of torch_fixtures.py, with weights yet to be loaded. */
    private static Layer twinOf(String name) {
        Random rng = new Random(0);
        return switch (name) {
            case "mlp" -> new Sequential(new Dense(4, 8, Activation.RELU, Init.XAVIER_UNIFORM, rng),
                    new Dense(8, 6, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                    new Dense(6, 5, Activation.SIGMOID, Init.XAVIER_UNIFORM, rng),
                    new Dense(5, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
            case "rnn" -> recurrent(new RNN(3, 5, Activation.TANH, Init.XAVIER_UNIFORM, rng), rng);
            case "lstm" -> recurrent(new LSTM(3, 5, rng), rng);
            case "gru" -> recurrent(new GRU(3, 5, rng), rng);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Layer recurrent(Layer rnn, Random rng) {
        return new Sequential(rnn, new Dense(5, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
    }

    /**
     * The finitegrad models exported to PyTorch: every activation module and an IDENTITY in the
     * middle of the MLP, a relu RNN; every parameter drawn from N(0, 0.5^2), biases included.
     */
    private static Layer exported(String name) {
        Random rng = new Random(16);
        Layer model = switch (name) {
            case "mlp", "mlp_f32" -> new Sequential(new Dense(4, 8, Activation.RELU, Init.XAVIER_UNIFORM, rng),
                    new Dense(8, 6, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng),
                    new Dense(6, 5, Activation.LEAKY_RELU, Init.XAVIER_UNIFORM, rng),
                    new Dense(5, 4, Activation.SIGMOID, Init.XAVIER_UNIFORM, rng),
                    new Dense(4, 3, Activation.TANH, Init.XAVIER_UNIFORM, rng));
            case "rnn" -> recurrent(new RNN(3, 5, Activation.RELU, Init.XAVIER_UNIFORM, rng), rng);
            case "lstm" -> recurrent(new LSTM(3, 5, rng), rng);
            case "gru" -> recurrent(new GRU(3, 5, rng), rng);
            default -> throw new IllegalArgumentException(name);
        };
        for (Var p : model.parameters()) {
            double[] v = p.write().data;
            for (int i = 0; i < v.length; i++) v[i] = 0.5 * rng.nextGaussian();
        }
        return model.eval();
    }

    private static DType dtypeOf(String name) {
        return name.endsWith("_f32") ? DType.F32 : DType.F64;
    }

    private static Tensor logits(Layer model, Tensor input) {
        return model.forward(Var.input("x", input)).value();
    }

    /** max |actual - expected| / max |expected|. */
    static double relativeError(Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape());
        double diff = 0, scale = 0;
        for (int r = 0; r < expected.rows(); r++) {
            for (int c = 0; c < expected.cols(); c++) {
                diff = Math.max(diff, Math.abs(actual.get(r, c) - expected.get(r, c)));
                scale = Math.max(scale, Math.abs(expected.get(r, c)));
            }
        }
        return diff / scale;
    }

    private static void assertClose(Tensor expected, Tensor actual, double tolerance, String what) {
        double error = relativeError(expected, actual);
        assertTrue(error <= tolerance, what + ": relative error " + error + " > " + tolerance);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "rnn", "lstm", "gru"})
    void pytorchStateDictsLoadAndGivePytorchsLogits(String name) throws IOException {
        Layer model = twinOf(name);
        assertEquals("pt", Checkpoint.loadTorch(fixture(name + ".safetensors"), model).get("format"));
        model.eval();
        NamedTensors io = Safetensors.read(fixture(name + ".io.safetensors"));
        Tensor y = logits(model, io.tensors().get("input"));
        assertEquals(7, y.rows());
        assertClose(io.tensors().get("logits_f64"), y, F64_TOLERANCE, name + " against model.double()");
        assertClose(io.tensors().get("logits_f32"), y, F32_TOLERANCE, name + " against the float32 module");
    }

    /** Regenerate with -Dtorch.fixtures.write=true, then run torch_fixtures.py to record PyTorch's logits. */
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "mlp_f32", "rnn", "lstm", "gru"})
    void exportedFilesAreWhatTheExporterWrites(String name) throws IOException {
        String file = "finitegrad_" + name + ".safetensors";
        Path written = dir.resolve(file);
        Checkpoint.saveTorch(written, exported(name), dtypeOf(name));
        // when writing, the committed copy is replaced and held to a second export (determinism)
        Path committed = SOURCE.resolve(file);
        if (Boolean.getBoolean("torch.fixtures.write")) Checkpoint.saveTorch(committed, exported(name), dtypeOf(name));
        else committed = fixture(file);
        assertArrayEquals(Files.readAllBytes(committed), Files.readAllBytes(written),
                file + " is not what saveTorch writes: regenerate it (see torch_fixtures.py)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "mlp_f32", "rnn", "lstm", "gru"})
    void pytorchLoadsExportedFilesStrictlyAndGivesFinitegradsLogits(String name) throws IOException {
        Layer model = exported(name);
        // an F32 file holds the weights rounded to float: PyTorch computed with those
        if (dtypeOf(name) != DType.F64) Checkpoint.loadTorch(fixture("finitegrad_" + name + ".safetensors"), model);
        NamedTensors io = Safetensors.read(fixture("finitegrad_" + name + ".io.safetensors"));
        Tensor y = logits(model, io.tensors().get("input"));
        assertEquals(7, y.rows());
        assertClose(io.tensors().get("logits_f64"), y, F64_TOLERANCE, "finitegrad_" + name + " in PyTorch");
    }
}
