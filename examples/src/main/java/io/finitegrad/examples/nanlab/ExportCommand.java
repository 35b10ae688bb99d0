package io.finitegrad.examples.nanlab;

import io.finitegrad.layers.Layer;
import io.finitegrad.optim.io.CheckpointFormatException;
import io.finitegrad.optim.io.DType;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.train.Checkpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nanlab export --model M --torch OUT [--f32]}: rewrites a model saved by {@code train} in
 * PyTorch's layout ({@link Checkpoint#saveTorch}): the state dict of an {@code nn.Sequential}
 * whose Python expression is the file's {@code module} metadata, F64 unless {@code --f32}. The
 * {@code nanlab} metadata (features, classes, scaling) goes along, since the module takes the
 * features scaled as at training time and returns one logit per class. A bad flag or file exits
 * {@link NanLab#INPUT_ERROR} naming the flag and the path.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model saved by train as a PyTorch state dict (safetensors).")
final class ExportCommand implements Callable<Integer> {
    private static final int MODULE_COLUMNS = Narrator.COLUMNS - 4;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "a checkpoint written by nanlab train --save")
    private Path model;
    @Option(names = "--torch", required = true, paramLabel = "OUT", description = "the PyTorch state dict to write")
    private Path torch;
    @Option(names = "--f32", description = "write float32 (default float64, exact)")
    private boolean f32;

    @Override
    public Integer call() throws IOException {
        requireReadable(model);
        SaveTarget.require("--torch", torch);
        if (Files.exists(torch) && Files.isSameFile(model, torch)) {
            throw new InputException("--torch " + torch + ": is the --model file; write the export elsewhere");
        }
        String source = model.getFileName().toString();
        Map<String, String> metadata;
        try {
            metadata = Safetensors.readMetadata(model);
        } catch (CheckpointFormatException e) {
            throw new InputException("--model: " + e.getMessage(), e);
        }
        ModelSpec s = ModelSpec.fromJson(metadata.get(ModelSpec.KEY), source);
        // the metadata's sizes are the file's word only: a 200-byte file may describe gigabytes
        s.requireMemory(source, "export", 3, 0);
        Layer net = s.build(new Random(0));
        try {
            Checkpoint.loadModel(model, net);
        } catch (CheckpointFormatException e) {
            throw new InputException("--model: " + e.getMessage(), e);
        }
        DType dtype = f32 ? DType.F32 : DType.F64;
        Checkpoint.saveTorch(torch, net, dtype, Map.of(ModelSpec.KEY, metadata.get(ModelSpec.KEY)));
        String module = Safetensors.readMetadata(torch).get(Checkpoint.MODULE_KEY);
        PrintWriter o = spec.commandLine().getOut();
        o.println("wrote " + torch + " (PyTorch layout, " + dtype + ")");
        o.println("module:");
        for (String line : wrapModule(module)) o.println("    " + line);
        String scaling = s.scaling().kind().equals("none") ? "unscaled" : "scaled (" + s.scaling().kind() + ")";
        o.println(Narrator.wrap("input: " + s.features().size() + " features, " + scaling
                + ", as the file's 'nanlab' metadata says; output: " + s.classes().size() + " logits, one per class"));
        o.flush();
        return NanLab.OK;
    }

    /** The module expression broken after the commas between modules, each line within the columns. */
    static List<String> wrapModule(String module) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String part : module.split("(?<=\\)), ")) {
            if (line.length() > 0 && line.length() + 2 + part.length() > MODULE_COLUMNS) {
                lines.add(line.append(',').toString());
                line.setLength(0);
            } else if (line.length() > 0) {
                line.append(", ");
            }
            line.append(part);
        }
        lines.add(line.toString());
        return lines;
    }

    private static void requireReadable(Path file) {
        if (Files.isDirectory(file)) throw new InputException("--model " + file + ": is a directory, expected a file");
        if (!Files.exists(file)) throw new InputException("--model " + file + ": file not found");
        if (!Files.isReadable(file)) throw new InputException("--model " + file + ": cannot be read (permission denied)");
    }

}
