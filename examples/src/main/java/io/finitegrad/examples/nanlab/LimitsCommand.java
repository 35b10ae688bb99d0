package io.finitegrad.examples.nanlab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.autodiff.limits.BreakingPoint;
import io.finitegrad.autodiff.limits.BreakingPoints;
import io.finitegrad.autodiff.limits.Twins;
import io.finitegrad.core.Precision;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nanlab limits}: for every textbook formula next to its stable twin ({@link Twins#all()}),
 * where each first turns NaN/Inf in each format side by side (fp64, fp32, bf16, fp16: the first
 * input, as a value of the format, and under it the guard's entry node and cause, once for the
 * formats that share it), or "none". {@code --precision} shows one format's column, {@code --json}
 * gives the same numbers as one JSON object per pair. Lines stay within 80 columns.
 * Exits {@link NanLab#OK}, or {@link NanLab#INPUT_ERROR} for an unknown format.
 */
@Command(name = "limits", mixinStandardHelpOptions = true,
        description = "Where each textbook formula breaks (NaN/Inf in value or gradient) and where its stable twin does,"
                + " in every format.")
final class LimitsCommand implements Callable<Integer> {
    private static final int COLUMNS = 80;
    /** Where values and entries start: the width of the pair name and of "  naive". */
    private static final int LABEL = 20;
    /** The width of each format's column but the last (float64's shortest values take 18). */
    private static final int[] WIDTH = {20, 12, 12};

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "one JSON object per pair instead of the table")
    private boolean json;

    @Option(names = "--precision", paramLabel = "FORMAT",
            description = "one format only: fp64, fp32, bf16 or fp16 (default: all four side by side)")
    private String precision;

    @Override
    public Integer call() throws JsonProcessingException {
        List<Precision> formats = precision == null ? List.of(Precision.values()) : List.of(Precision.parse(precision));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(formats));
        } else {
            out.print(table(formats));
        }
        out.flush();
        return NanLab.OK;
    }

    /** The table with one column per format in {@code formats}, as printed (the README shows all four). */
    static String table(List<Precision> formats) {
        StringBuilder sb = new StringBuilder();
        sb.append(Narrator.wrap("Where each textbook formula (NaiveOps) first gives NaN/Inf, and where its stable twin (Var)"
                + " does, in " + (formats.size() == 1 ? formats.get(0).label() : "each format") + " (emulated: every op's"
                + " result is rounded to it). x moves from 0 the way the arrow points. Shown: the first x whose value or"
                + " gradient is non-finite, as a value of the format (the fewest digits that read back as it); under it,"
                + " once for the formats that share it, the guard's entry point: value or gradient: op 'node' (phase, cause).")).append("\n\n");
        List<String> flags = new ArrayList<>();
        for (Precision p : formats) flags.add(p.flag());
        sb.append(row("", flags));
        for (Twins.Twin t : Twins.all()) {
            sb.append('\n').append(String.format(Locale.ROOT, "%-" + LABEL + "s%s%n", t.name(), t.formula()));
            List<BreakingPoint> naive = new ArrayList<>(), stable = new ArrayList<>();
            for (Precision p : formats) {
                naive.add(t.naiveLimit(p));
                stable.add(t.stableLimit(p));
            }
            sb.append(limits("naive", naive)).append(limits("stable", stable));
        }
        return sb.toString();
    }

    /** A line of the label and one cell per format, without trailing blanks. */
    private static String row(String label, List<String> cells) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-" + LABEL + "s", label));
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            b.append(i < WIDTH.length && i < cells.size() - 1 ? String.format(Locale.ROOT, "%-" + WIDTH[i] + "s", cell) : cell);
        }
        return b.toString().stripTrailing() + "\n";
    }

    /** The points per format, then the entry of each group of formats that broke the same way. */
    private static String limits(String which, List<BreakingPoint> points) {
        List<String> cells = new ArrayList<>();
        Map<String, List<String>> byEntry = new LinkedHashMap<>();
        for (BreakingPoint p : points) {
            cells.add(p.found() ? BreakingPoints.shortest(p.at(), p.precision()) : "none");
            if (p.found()) byEntry.computeIfAbsent(entry(p), e -> new ArrayList<>()).add(p.precision().flag());
        }
        StringBuilder sb = new StringBuilder(row("  " + which, cells));
        boolean shared = byEntry.size() == 1 && byEntry.values().iterator().next().size() == points.size();
        byEntry.forEach((entry, flags) -> sb.append(entryLines(shared ? "" : "  " + String.join(" ", flags), entry)));
        return sb.toString();
    }

    private static String entry(BreakingPoint p) {
        String what = p.inGradient() ? "gradient" : "value";
        if (p.report() == null) return what + ": no guard report";
        return what + ": " + p.report().op() + " '" + p.node() + "' (" + p.phase().toString().toLowerCase(Locale.ROOT) + ", "
                + p.cause() + ")";
    }

    /** The entry after its label, its "(phase, cause)" on a line of its own if the whole would pass 80 columns. */
    private static String entryLines(String label, String entry) {
        String first = String.format(Locale.ROOT, "%-" + LABEL + "s%s", label, entry);
        if (first.length() <= COLUMNS) return first + "\n";
        int split = entry.lastIndexOf(" (");
        return String.format(Locale.ROOT, "%-" + LABEL + "s%s%n%" + LABEL + "s%s%n", label, entry.substring(0, split), "",
                entry.substring(split + 1));
    }

    /**
     * An array of {name, formula, from, to, naive, stable}, naive and stable keyed by format flag;
     * a limit is {found, at, shown, lastFinite, broke, op, node, phase, cause}, {@code shown} being
     * {@code at} as the table prints it.
     */
    static String toJson(List<Precision> formats) throws JsonProcessingException {
        JsonMapper mapper = JsonMapper.builder().build();
        ArrayNode pairs = mapper.createArrayNode();
        for (Twins.Twin t : Twins.all()) {
            ObjectNode pair = pairs.addObject();
            pair.put("name", t.name()).put("formula", t.formula()).put("from", t.from()).put("to", t.to());
            ObjectNode naive = pair.putObject("naive"), stable = pair.putObject("stable");
            for (Precision p : formats) {
                limitJson(naive.putObject(p.flag()), t.naiveLimit(p));
                limitJson(stable.putObject(p.flag()), t.stableLimit(p));
            }
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(pairs);
    }

    private static void limitJson(ObjectNode o, BreakingPoint p) {
        o.put("found", p.found());
        if (!p.found()) return;
        o.put("at", p.at()).put("shown", BreakingPoints.shortest(p.at(), p.precision()));
        // NaN is no JSON number: broken at the start of the interval there is no last finite point
        if (Double.isNaN(p.lastFinite())) o.putNull("lastFinite"); else o.put("lastFinite", p.lastFinite());
        o.put("broke", p.inGradient() ? "gradient" : "value");
        if (p.report() == null) return;
        o.put("op", p.report().op()).put("node", p.node()).put("phase", p.phase().toString()).put("cause", p.cause().toString());
    }
}
