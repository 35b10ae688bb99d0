package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.BatchNorm;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.RNN;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.io.CheckpointFormatException;
import io.finitegrad.optim.io.NamedTensors;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.io.StateDictMismatchException;
import io.finitegrad.optim.io.StateDicts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving a model's state to a file and loading it back into a model, by name. */
class CheckpointTest {
    @TempDir
    Path dir;

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    private static Layer net(int hidden, long seed) {
        Random rng = new Random(seed);
        return new Sequential(new Dense("d1", 3, hidden, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("d2", hidden, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
    }

    @Test
    void modelParametersRoundTripByName() throws IOException {
        Layer a = net(4, 1), b = net(4, 2);
        assertNotEquals(a.parameters().get(0).value(), b.parameters().get(0).value());
        Path f = dir.resolve("m.safetensors");
        Checkpoint.saveModel(f, a);
        assertEquals(List.of("d1/W", "d1/b", "d2/W", "d2/b"), List.copyOf(Safetensors.read(f).tensors().keySet()));
        Checkpoint.loadModel(f, b);
        for (int i = 0; i < 4; i++) assertEquals(a.parameters().get(i).value(), b.parameters().get(i).value());
    }

    @Test
    void buffersAreSavedAndLoadedAfterTheParameters() throws IOException {
        Layer a = new Sequential(new BatchNorm("bn", 2, 1e-5, 0.1)), b = new Sequential(new BatchNorm("bn", 2, 1e-5, 0.1));
        a.buffers().get(0).write().data[1] = 4.5; // as if training had moved the running mean
        a.parameters().get(0).write().data[0] = -2;
        Path f = dir.resolve("bn.safetensors");
        Checkpoint.saveModel(f, a);
        assertEquals(List.of("bn/gamma", "bn/beta", "bn/running_mean", "bn/running_var"),
                List.copyOf(Safetensors.read(f).tensors().keySet()));
        Checkpoint.loadModel(f, b);
        assertEquals(Tensor.row(0, 4.5), b.buffers().get(0).value());
        assertEquals(Tensor.row(-2, 1), b.parameters().get(0).value());
    }

    /** An RNN and its Dense head in one Sequential: a many-to-one model over n x (T*3) sequences. */
    private static Layer recurrent(long seed) {
        Random rng = new Random(seed);
        return new Sequential(new RNN("rnn", 3, 5, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense("head", 5, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
    }

    @Test
    void aRecurrentModelRoundTripsThroughAFile() throws IOException {
        Layer a = recurrent(1), b = recurrent(2);
        assertNotEquals(StateDicts.toTensors(a.stateDict()), StateDicts.toTensors(b.stateDict()));
        Path f = dir.resolve("rnn.safetensors");
        Checkpoint.saveModel(f, a);
        Checkpoint.loadModel(f, b);
        assertEquals(StateDicts.toTensors(a.stateDict()), StateDicts.toTensors(b.stateDict()));
        assertEquals(List.of("rnn/Wx", "rnn/Wh", "rnn/b", "head/W", "head/b"), List.copyOf(a.stateDict().keySet()));
        Var x = Var.input("x", Tensor.of(4, 12, new double[48]));
        assertEquals(a.forward(x).value(), b.forward(x).value());
    }

    @Test
    void metadataIsSavedWithTheModelAndReturnedOnLoad() throws IOException {
        Path f = dir.resolve("meta.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("config", "{\"layers\": [3, 4, 2]}");
        meta.put("epoch", "12");
        Checkpoint.saveModel(f, net(4, 1), meta);
        NamedTensors read = Safetensors.read(f);
        assertEquals(List.of("format", "model", "gemm", "config", "epoch"), List.copyOf(read.metadata().keySet()));
        assertEquals("finitegrad", read.metadata().get(Checkpoint.FORMAT_KEY));
        assertEquals("Sequential", read.metadata().get(Checkpoint.MODEL_KEY));
        Map<String, String> loaded = Checkpoint.loadModel(f, net(4, 2));
        assertEquals(read.metadata(), loaded);
        Checkpoint.saveModel(f, net(4, 3), loaded); // what was read can be saved again
        assertEquals(loaded, Checkpoint.loadModel(f, net(4, 2)));
        String m = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.saveModel(f, net(4, 1), Map.of("model", "Other"))).getMessage();
        assertContains(m, "metadata 'model' = 'Other' clashes with the value written for this model, 'Sequential'");
    }

    @Test
    void modelMismatchIsAClearErrorAndChangesNothing() throws IOException {
        Layer a = net(4, 1), wider = net(5, 2);
        Path f = dir.resolve("m.safetensors");
        Checkpoint.saveModel(f, a);
        Tensor before = wider.parameters().get(0).value();
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadModel(f, wider));
        assertContains(e.getMessage(), "m.safetensors does not fit Sequential: ");
        assertContains(e.getMessage(), "'d1/W' is 3x4 in the file but 3x5 in the model");
        assertEquals(List.of("d1/W", "d1/b", "d2/W"), assertInstanceOf(StateDictMismatchException.class, e.getCause())
                .shapeMismatches());
        assertEquals(before, wider.parameters().get(0).value());
        Map<String, Tensor> partial = new LinkedHashMap<>(Safetensors.read(f).tensors());
        partial.remove("d2/b");
        partial.put("extra", Tensor.scalar(1));
        partial.put("d1/b", Tensor.of(1, 4, 0, Double.NaN, 0, 0));
        Safetensors.write(f, partial);
        Layer target = net(4, 3);
        List<Tensor> untouched = target.parameters().stream().map(Var::value).toList();
        String m = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadModel(f, target)).getMessage();
        assertContains(m, "missing 'd2/b' (1x2)");
        assertContains(m, "unexpected 'extra'");
        assertContains(m, "'d1/b' holds NaN/Inf");
        assertContains(m, "the file has [d1/W, d1/b, d2/W, extra]");
        assertFalse(m.contains("'d1/W'"));
        assertEquals(untouched, target.parameters().stream().map(Var::value).toList(), "d1/W fitted but was not written");
    }

    @Test
    void aMalformedFileIsAFormatErrorNamingIt() throws IOException {
        Path f = dir.resolve("junk.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertContains(assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadModel(f, net(4, 1))).getMessage(),
                "junk.safetensors: is 3 bytes, too short");
    }
}
