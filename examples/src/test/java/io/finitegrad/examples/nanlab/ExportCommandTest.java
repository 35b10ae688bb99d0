package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.data.Csv;
import io.finitegrad.optim.io.NamedTensors;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nanlab export --torch}: a trained model in PyTorch's layout, and the flags and files it refuses. */
class ExportCommandTest {
    @TempDir
    Path dir;
    private Path iris;
    private Path model;

    @BeforeEach
    void train() {
        iris = Cli.iris(dir);
        model = dir.resolve("iris.safetensors");
        Cli r = Cli.run("train", "--data", iris.toString(), "--label", "species", "--hidden", "8,6", "--activation", "tanh",
                "--epochs", "5", "--seed", "1", "--quiet", "--save", model.toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
    }

    /** The model's logits on the Iris features, scaled as in training, with the weights {@code load} puts in it. */
    private Tensor logits(Path weights, boolean torchLayout) throws IOException {
        ModelSpec s = ModelSpec.fromJson(Safetensors.read(model).metadata().get(ModelSpec.KEY), "test");
        Layer net = s.build(new Random(99));
        if (torchLayout) Checkpoint.loadTorch(weights, net);
        else Checkpoint.loadModel(weights, net);
        net.eval();
        return net.forward(Var.input("x", s.scale(Csv.readFeatures(iris, s.features())))).value();
    }

    private static int argmax(Tensor t, int row) {
        int best = 0;
        for (int c = 1; c < t.cols(); c++) if (t.get(row, c) > t.get(row, best)) best = c;
        return best;
    }

    @Test
    void exportWritesAPytorchStateDictThatGivesTheSameLogitsAndSaysWhatItWrote() throws IOException {
        Path out = dir.resolve("iris.pt.safetensors");
        Cli r = Cli.run("export", "--model", model.toString(), "--torch", out.toString());
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("wrote " + out + " (PyTorch layout, F64)", "module:",
                "    nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 6), nn.Tanh(),",
                "    nn.Linear(6, 3))",
                "input: 4 features, scaled (standard), as the file's 'nanlab' metadata says;",
                "output: 3 logits, one per class"), lines);
        for (String line : lines) assertTrue(line.length() <= 80, "80 columns: " + line);

        NamedTensors file = Safetensors.read(out);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                List.copyOf(file.tensors().keySet()));
        assertEquals("pt", file.metadata().get("format"));
        assertEquals(Safetensors.read(model).metadata().get(ModelSpec.KEY), file.metadata().get(ModelSpec.KEY));
        assertEquals(logits(model, false), logits(out, true), "F64: the very same logits");
    }

    @Test
    void predictReadsAnExportedFileAsTheModelItCameFrom() {
        Path out = dir.resolve("iris.pt.safetensors");
        assertEquals(NanLab.OK, Cli.run("export", "--model", model.toString(), "--torch", out.toString()).code());
        Cli native_ = Cli.run("predict", "--model", model.toString(), "--data", iris.toString());
        Cli exported = Cli.run("predict", "--model", out.toString(), "--data", iris.toString());
        assertEquals(NanLab.OK, exported.code(), exported.err());
        assertEquals(151, exported.out().lines().count(), "a header and 150 predictions");
        assertEquals(native_.out(), exported.out());
    }

    @Test
    void f32ExportRoundsTheWeightsButKeepsEveryPrediction() throws IOException {
        Path out = dir.resolve("iris32.safetensors");
        Cli r = Cli.run("export", "--model", model.toString(), "--torch", out.toString(), "--f32");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertTrue(r.out().startsWith("wrote " + out + " (PyTorch layout, F32)"), r.out());
        assertTrue(Safetensors.read(out).stored().stream().allMatch(t -> t.dtype().equals("F32")));
        Tensor exact = logits(model, false), rounded = logits(out, true);
        double diff = 0, scale = 0;
        for (int i = 0; i < exact.rows(); i++) {
            assertEquals(argmax(exact, i), argmax(rounded, i), "row " + (i + 1));
            for (int c = 0; c < exact.cols(); c++) {
                diff = Math.max(diff, Math.abs(exact.get(i, c) - rounded.get(i, c)));
                scale = Math.max(scale, Math.abs(exact.get(i, c)));
            }
        }
        assertTrue(diff > 0 && diff / scale < 1e-6, "float32 weights: " + diff / scale);
    }

    @Test
    void aBadModelFlagIsRefusedNamingTheFlagAndThePath() throws IOException {
        Path out = dir.resolve("out.safetensors");
        Path missing = dir.resolve("nope.safetensors");
        String line = Cli.run("export", "--model", missing.toString(), "--torch", out.toString()).inputErrorLine();
        assertEquals("nanlab export: --model " + missing + ": file not found", line);

        line = Cli.run("export", "--model", dir.toString(), "--torch", out.toString()).inputErrorLine();
        assertEquals("nanlab export: --model " + dir + ": is a directory, expected a file", line);

        Path garbage = Files.writeString(dir.resolve("garbage.safetensors"), "not a safetensors file at all");
        line = Cli.run("export", "--model", garbage.toString(), "--torch", out.toString()).inputErrorLine();
        assertTrue(line.startsWith("nanlab export: --model: garbage.safetensors"), line);

        Path torchFile = dir.resolve("torch.safetensors");
        assertEquals(NanLab.OK, Cli.run("export", "--model", model.toString(), "--torch", torchFile.toString()).code());
        line = Cli.run("export", "--model", torchFile.toString(), "--torch", out.toString()).inputErrorLine();
        assertTrue(line.contains("--model: torch.safetensors does not fit Sequential"), line);
        assertFalse(Files.exists(out), "nothing written on a refusal");
    }

    @Test
    void aBadTorchFlagIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path nowhere = dir.resolve("no-such-dir").resolve("out.safetensors");
        String line = Cli.run("export", "--model", model.toString(), "--torch", nowhere.toString()).inputErrorLine();
        assertEquals("nanlab export: --torch " + nowhere + ": parent directory " + nowhere.getParent() + " does not exist",
                line);
        line = Cli.run("export", "--model", model.toString(), "--torch", dir.toString()).inputErrorLine();
        assertEquals("nanlab export: --torch " + dir + ": is a directory, expected a file path", line);

        byte[] before = Files.readAllBytes(model);
        line = Cli.run("export", "--model", model.toString(), "--torch", model.toString()).inputErrorLine();
        assertEquals("nanlab export: --torch " + model + ": is the --model file; write the export elsewhere", line);
        assertArrayEquals(before, Files.readAllBytes(model));

        Cli r = Cli.run("export", "--model", model.toString());
        assertEquals(NanLab.INPUT_ERROR, r.code());
        assertTrue(r.err().contains("--torch"), r.err());
    }
}
