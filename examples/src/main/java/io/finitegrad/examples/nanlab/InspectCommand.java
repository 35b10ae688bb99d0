package io.finitegrad.examples.nanlab;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.core.FiniteStats;
import io.finitegrad.core.Tensor;
import io.finitegrad.optim.io.NamedTensors;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.io.StoredTensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nanlab inspect FILE}: "is my checkpoint broken?" for any safetensors file, finitegrad's or
 * PyTorch's. Prints every header entry in order (name, dtype, shape as stored, NaN, +Inf and -Inf
 * counts, range of the finite values; PyTorch's skipped step counter noted), the metadata and a
 * one-line verdict, within 80 columns ({@link InspectReport}); {@code --json} gives the same as one
 * JSON object, values to full precision.
 *
 * <p>Exits {@link NanLab#OK} when every loaded tensor is finite, {@link NanLab#NON_FINITE} when any
 * holds NaN/Inf, {@link NanLab#INPUT_ERROR} for a malformed file (the reader's message, naming the
 * file and the problem), a missing or unreadable file or a directory.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Is a checkpoint broken? NaN/Inf counts and range of each tensor.")
final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "a .safetensors file (nanlab's, PyTorch's or any other)")
    private Path file;

    @Option(names = "--json", description = "one JSON object instead of the table")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        // reading a directory fails with "Is a directory", naming no path
        if (Files.isDirectory(file)) throw new InputException(file + " is a directory, not a safetensors file");
        NamedTensors read = Safetensors.read(file);
        List<Entry> entries = entries(read);
        PrintWriter out = spec.commandLine().getOut();
        String name = String.valueOf(file.getFileName());
        long bytes = Files.size(file);
        if (json) out.println(toJson(name, bytes, entries, read.metadata()));
        else out.print(InspectReport.text(name, bytes, entries, read.metadata()));
        out.flush();
        return entries.stream().anyMatch(Entry::nonFinite) ? NanLab.NON_FINITE : NanLab.OK;
    }

    /**
     * One header entry and, unless the reader skipped it, what a scan of its values found.
     *
     * @param stored the entry as the header declares it
     * @param stats the counts and finite range, or null for a skipped entry
     */
    record Entry(StoredTensor stored, FiniteStats stats) {
        /** True if the entry was loaded and holds a NaN or an infinity. */
        boolean nonFinite() {
            return stats != null && !stats.allFinite();
        }
    }

    /** Every header entry in order, each loaded one scanned once. */
    static List<Entry> entries(NamedTensors read) {
        List<Entry> out = new ArrayList<>(read.stored().size());
        for (StoredTensor s : read.stored()) {
            Tensor t = s.skipped() ? null : read.tensors().get(s.name());
            out.add(new Entry(s, t == null ? null : t.scan()));
        }
        return out;
    }

    /**
     * {file, bytes, tensors: [{name, dtype, shape, skipped, nan, posInf, negInf, min, max}],
     * metadata, nonFinite: [names], verdict}; min and max are null when no value is finite.
     */
    static String toJson(String name, long bytes, List<Entry> entries, Map<String, String> metadata) throws IOException {
        JsonMapper mapper = JsonMapper.builder().build();
        ObjectNode root = mapper.createObjectNode();
        root.put("file", name).put("bytes", bytes);
        ArrayNode tensors = root.putArray("tensors");
        ArrayNode nonFinite = mapper.createArrayNode();
        for (Entry e : entries) {
            ObjectNode t = tensors.addObject();
            t.put("name", e.stored().name()).put("dtype", e.stored().dtype());
            ArrayNode shape = t.putArray("shape");
            e.stored().shape().forEach(shape::add);
            t.put("skipped", e.stored().skipped());
            if (e.stats() == null) continue;
            FiniteStats s = e.stats();
            t.put("nan", s.nanCount()).put("posInf", s.posInfCount()).put("negInf", s.negInfCount());
            // NaN is no JSON number: a tensor without a finite value has no range
            if (Double.isNaN(s.min())) t.putNull("min").putNull("max");
            else t.put("min", s.min()).put("max", s.max());
            if (e.nonFinite()) nonFinite.add(e.stored().name());
        }
        ObjectNode meta = root.putObject("metadata");
        metadata.forEach(meta::put);
        root.set("nonFinite", nonFinite);
        root.put("verdict", InspectReport.verdict(entries));
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
