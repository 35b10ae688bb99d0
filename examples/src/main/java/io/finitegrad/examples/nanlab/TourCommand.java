package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.core.Precision;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nanlab tour}: every scenario, broken then fixed in its format (or the one
 * {@code --precision} names), as a short guided lesson, ending with two tables: where NaN entered,
 * the fix and the loss after the fix; and, from runs in every format, in which formats the broken
 * run breaks and in which the fixed run trains (its loss below the lesson's bound). Exits
 * {@link NanLab#NON_FINITE} if a scenario behaved otherwise than its lesson says in any format,
 * naming it.
 */
@Command(name = "tour", mixinStandardHelpOptions = true, description = "Every scenario, broken then fixed, and a summary table.")
final class TourCommand implements Callable<Integer> {
    private static final int NODE = 18;
    private static final int CAUSE = 16;
    /** One table row in 80 columns: scenario, format, phase, node, cause, loss after the fix. */
    private static final String ROW = "%-21s %-4s %-8s %-" + NODE + "s %-" + CAUSE + "s %s%n";
    /** One row of the formats table: scenario, format, where the broken run breaks, where the fixed run trains. */
    private static final String FORMATS = "%-21s %-6s %-24s %s%n";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--precision", paramLabel = "P",
            description = "run every lesson in fp64, fp32, bf16 or fp16 (default: each lesson's own format)")
    private String precision;

    @Option(names = "--seed", paramLabel = "N", description = "seed of every run (default ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--quiet", description = "no lesson text and no progress bar: only the tables")
    private boolean quiet;

    @Override
    public Integer call() {
        Precision chosen = precision == null ? null : Flags.precision(precision);
        PrintWriter o = spec.commandLine().getOut();
        Narrator n = new Narrator(o);
        Lab lab = new Lab(seed, TerminalProgress.factory(quiet));
        StringBuilder table = new StringBuilder(), formats = new StringBuilder();
        table.append("Where NaN entered, and the loss after the fix:\n");
        table.append(String.format(Locale.ROOT, ROW, "scenario", "fmt", "phase", "node", "cause", "loss"));
        formats.append("Where the broken run breaks, and where the fixed run trains (loss below the\n")
                .append("lesson's bound), run in every format:\n");
        formats.append(String.format(Locale.ROOT, FORMATS, "scenario", "format", "broken run breaks in", "fixed run trains in"));
        int failures = 0;
        for (Scenario s : Scenarios.all()) {
            Precision p = chosen == null ? s.precision() : chosen;
            Outcome broken = Scenarios.broken(s, lab, p);
            Outcome fixed = Scenarios.fixed(s, lab, p);
            if (!quiet) {
                n.title(s, p);
                n.lesson(s);
                n.broken(s, broken);
                n.fixed(s, fixed);
                o.println();
            }
            boolean held = s.expected().metByBroken(broken) && s.expected().metByFixed(fixed);
            List<String> breaksIn = new ArrayList<>(), trainsIn = new ArrayList<>(), otherwise = new ArrayList<>();
            for (Precision q : Precision.values()) {
                Outcome b = q == p ? broken : Scenarios.broken(s, lab, q);
                Outcome f = q == p ? fixed : Scenarios.fixed(s, lab, q);
                if (b.nonFinite() || b.frozen()) breaksIn.add(q.flag());
                if (s.expected().metByFixed(f)) trainsIn.add(q.flag());
                if (!s.expected().metByBroken(b)) otherwise.add(q.label());
            }
            if (!held || !otherwise.isEmpty()) failures++;
            Expected promise = s.expected().forFormat(p);
            NanReport entry = s.expected().matchIn(broken);
            if (entry == null) entry = broken.first();
            // an infinite forward value hidden by a mask is no NaN yet: the NaN enters at the backward step it leads to
            boolean viaBackward = entry != null && held && promise.thenCause() != null;
            String phase = entry == null ? "-" : viaBackward ? "BACKWARD" : entry.phase().toString();
            String cause = entry == null ? "-" : (viaBackward ? promise.thenCause() : entry.cause()).toString();
            table.append(String.format(Locale.ROOT, ROW, s.number() + " " + s.name(), p.flag(), phase,
                    entry == null ? "no NaN/Inf" : fit(entry.label(), NODE), fit(cause, CAUSE),
                    String.format(Locale.ROOT, "%.3g", fixed.loss())));
            table.append(Narrator.indent(Narrator.wrap("fix: " + s.fix(), 74), 4)).append('\n');
            if (!held) table.append("    LESSON DID NOT HOLD: expected ").append(promise).append('\n');
            formats.append(String.format(Locale.ROOT, FORMATS, s.number() + " " + s.name(), s.precision().flag(),
                    breaksIn.isEmpty() ? "none" : String.join(" ", breaksIn), trainsIn.isEmpty() ? "none" : String.join(" ", trainsIn)));
            if (!otherwise.isEmpty()) {
                formats.append("    LESSON DID NOT HOLD in ").append(String.join(", ", otherwise)).append(": expected ")
                        .append(s.expected()).append('\n');
            }
        }
        o.print(table);
        o.println();
        o.print(formats);
        if (failures > 0) o.println(failures + " scenario(s) behaved otherwise than their lesson says.");
        if (!quiet) o.println("\nWhere each textbook formula breaks, next to its stable twin: nanlab limits");
        o.flush();
        return failures == 0 ? NanLab.OK : NanLab.NON_FINITE;
    }

    /** {@code s} cut to {@code width} columns, keeping its end (the op of a scoped name such as a/b/exp). */
    static String fit(String s, int width) {
        return s.length() <= width ? s : "..." + s.substring(s.length() - (width - 3));
    }
}
