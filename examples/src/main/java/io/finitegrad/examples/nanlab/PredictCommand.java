package io.finitegrad.examples.nanlab;

import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.LineDelimiter;
import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.data.ClassVocabulary;
import io.finitegrad.optim.data.Csv;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.train.Checkpoint;
import io.finitegrad.optim.train.Evaluator;
import io.finitegrad.optim.train.Predictions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nanlab predict --model M --data F.csv}: rebuilds the model {@code train} saved from the
 * checkpoint's metadata, loads its weights (names, shapes and finiteness checked), reads the
 * features by name, applies the saved scaling and prints one line per row: the row number and the
 * predicted class name, as CSV (RFC 4180: a name holding a comma or a quote is quoted). A model
 * too large for this JVM's memory is refused before it is built (exit code 2), whatever the
 * metadata claims. The forward pass computes in float32 by default, like PyTorch
 * ({@code --precision}); standard output stays plain CSV, so the line naming the format goes to
 * standard error.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Predict classes with a model saved by train.")
final class PredictCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "a checkpoint written by nanlab train --save (or nanlab export)")
    private Path model;
    @Option(names = "--data", required = true, paramLabel = "F.csv", description = "rows to predict, with the training feature columns")
    private Path data;
    @Option(names = "--precision", paramLabel = "P", description = "compute in fp64, fp32, bf16 or fp16 (default ${DEFAULT-VALUE})")
    private String precision = "fp32";

    @Override
    @SuppressWarnings("try") // the emulation scope is opened for its effect: the forward pass computes in the format
    public Integer call() throws IOException {
        Precision format = Flags.precision(precision);
        String source = model.getFileName().toString();
        Map<String, String> metadata = Safetensors.readMetadata(model);
        ModelSpec s = ModelSpec.fromJson(metadata.get(ModelSpec.KEY), source);
        Tensor features = Csv.readFeatures(data, s.features());
        // the metadata's sizes are the file's word only: a 200-byte file may describe gigabytes
        s.requireMemory(source, "predict", 2, features.rows());
        Layer net = s.build(new Random(0));
        // a file nanlab export rewrote keeps the same 'nanlab' description in PyTorch's layout
        if (Checkpoint.isTorchLayout(metadata)) Checkpoint.loadTorch(model, net);
        else Checkpoint.loadModel(model, net);
        net.eval();
        Tensor x = s.scale(features);
        Predictions p;
        try (Emulation e = Precision.emulate(format)) {
            p = new Evaluator(net, Losses::softmaxCrossEntropy, ClassVocabulary.of(s.classes())).predict(x);
        }
        // real CSV: a class name may hold a comma or a quote; the writer is not closed, it would close stdout
        CsvWriter o = CsvWriter.builder().lineDelimiter(LineDelimiter.PLATFORM).build(spec.commandLine().getOut());
        o.writeRecord("row", "predicted");
        List<String> labels = p.labels();
        for (int i = 0; i < labels.size(); i++) o.writeRecord(String.valueOf(i + 1), labels.get(i));
        o.flush();
        spec.commandLine().getErr().println("nanlab predict: computed in " + format.label()
                + (format.isNative() ? "" : " (emulated)") + "; --precision " + Flags.precisions());
        return NanLab.OK;
    }
}
