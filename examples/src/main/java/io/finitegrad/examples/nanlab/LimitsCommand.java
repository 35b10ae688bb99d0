package io.finitegrad.examples.nanlab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.finitegrad.autodiff.limits.BreakingPoint;
import io.finitegrad.autodiff.limits.Twins;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nanlab limits}: for every textbook formula next to its stable twin ({@link Twins#all()}),
 * where the textbook one first turns NaN/Inf (the input to full precision, value or gradient, the
 * guard's entry node and cause) and where the stable one does ("none in [a, b]"). Four lines per
 * breaking pair (three when the naive one holds), within 80 columns; {@code --json} gives the
 * same numbers as one JSON object per pair.
 * Exits {@link NanLab#OK}.
 */
@Command(name = "limits", mixinStandardHelpOptions = true,
        description = "Where each textbook formula breaks (NaN/Inf in value or gradient) and where its stable twin does.")
final class LimitsCommand implements Callable<Integer> {
    /** Pair name column of the first line of a pair. */
    private static final String NAME = "%-20s%s%n";
    /** Naive or stable, the point and what broke; the entry goes on a line of its own, under the point. */
    private static final String LIMIT = "  %-8s%-24s%s%n";
    /** The entry point's line, indented to the point's column. */
    private static final String ENTRY = "          %s%n";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "one JSON object per pair instead of the table")
    private boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson());
        } else {
            out.print(table());
        }
        out.flush();
        return NanLab.OK;
    }

    /** The table as printed (the README shows it verbatim). */
    static String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(Narrator.wrap("Where each textbook formula (NaiveOps) first gives NaN/Inf, and where its stable twin (Var)"
                + " does. x moves from 0 the way the arrow points; shown: the first x (full precision) whose value or gradient"
                + " is non-finite, and under it the guard's entry point: op 'node' (phase, cause).")).append('\n');
        for (Twins.Twin t : Twins.all()) {
            sb.append('\n').append(String.format(Locale.ROOT, NAME, t.name(), t.formula()));
            sb.append(limit("naive", t.naiveLimit())).append(limit("stable", t.stableLimit()));
        }
        return sb.toString();
    }

    private static String limit(String which, BreakingPoint p) {
        if (!p.found()) return String.format(Locale.ROOT, LIMIT, which, p.toString(), "").stripTrailing() + "\n";
        String entry = p.report() == null ? "no guard report"
                : p.report().op() + " '" + p.node() + "' (" + p.phase().toString().toLowerCase(Locale.ROOT) + ", " + p.cause() + ")";
        return String.format(Locale.ROOT, LIMIT, which, "x = " + p.at(), p.inGradient() ? "gradient" : "value")
                + String.format(Locale.ROOT, ENTRY, entry);
    }

    /** An array of {name, formula, from, to, naive, stable}; a limit is {found, at, lastFinite, broke, op, node, phase, cause}. */
    static String toJson() throws JsonProcessingException {
        JsonMapper mapper = JsonMapper.builder().build();
        ArrayNode pairs = mapper.createArrayNode();
        for (Twins.Twin t : Twins.all()) {
            ObjectNode pair = pairs.addObject();
            pair.put("name", t.name()).put("formula", t.formula()).put("from", t.from()).put("to", t.to());
            limitJson(pair.putObject("naive"), t.naiveLimit());
            limitJson(pair.putObject("stable"), t.stableLimit());
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(pairs);
    }

    private static void limitJson(ObjectNode o, BreakingPoint p) {
        o.put("found", p.found());
        if (!p.found()) return;
        o.put("at", p.at());
        // NaN is no JSON number: broken at the start of the interval there is no last finite point
        if (Double.isNaN(p.lastFinite())) o.putNull("lastFinite"); else o.put("lastFinite", p.lastFinite());
        o.put("broke", p.inGradient() ? "gradient" : "value");
        if (p.report() == null) return;
        o.put("op", p.report().op()).put("node", p.node()).put("phase", p.phase().toString()).put("cause", p.cause().toString());
    }
}
