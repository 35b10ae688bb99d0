package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nanlab tour}: every scenario, broken then fixed, as a short guided lesson, ending with a
 * table (scenario, where NaN entered, the fix, the loss after the fix). Exits
 * {@link NanLab#NON_FINITE} if a scenario behaved otherwise than its lesson says, naming it.
 */
@Command(name = "tour", mixinStandardHelpOptions = true, description = "Every scenario, broken then fixed, and a summary table.")
final class TourCommand implements Callable<Integer> {
    private static final int NODE = 22;
    private static final int CAUSE = 16;
    /** One table row in 78 columns: scenario, phase, node, cause, loss after the fix. */
    private static final String ROW = "%-19s %-8s %-" + NODE + "s %-" + CAUSE + "s %s%n";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", paramLabel = "N", description = "seed of every run (default ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--quiet", description = "no lesson text and no progress bar: only the table")
    private boolean quiet;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        Narrator n = new Narrator(o);
        Lab lab = new Lab(seed, TerminalProgress.factory(quiet));
        StringBuilder table = new StringBuilder();
        table.append("Where NaN entered, and the loss after the fix:\n");
        table.append(String.format(Locale.ROOT, ROW, "scenario", "phase", "node", "cause", "fixed loss"));
        int failures = 0;
        for (Scenario s : Scenarios.all()) {
            Outcome broken = s.runBroken(lab);
            Outcome fixed = s.runFixed(lab);
            if (!quiet) {
                n.title(s);
                n.lesson(s);
                n.broken(s, broken);
                n.fixed(s, fixed);
                o.println();
            }
            boolean held = s.expected().metByBroken(broken) && s.expected().metByFixed(fixed);
            if (!held) failures++;
            NanReport entry = s.expected().matchIn(broken);
            if (entry == null) entry = broken.first();
            // an infinite forward value hidden by a mask is no NaN yet: the NaN enters at the backward step it leads to
            boolean viaBackward = entry != null && held && s.expected().thenCause() != null;
            String phase = entry == null ? "-" : viaBackward ? "BACKWARD" : entry.phase().toString();
            String cause = entry == null ? "-" : (viaBackward ? s.expected().thenCause() : entry.cause()).toString();
            table.append(String.format(Locale.ROOT, ROW, s.number() + " " + s.name(), phase,
                    entry == null ? "no NaN/Inf" : fit(entry.label(), NODE), fit(cause, CAUSE),
                    String.format(Locale.ROOT, "%.4g", fixed.loss())));
            table.append(Narrator.indent(Narrator.wrap("fix: " + s.fix(), 74), 4)).append('\n');
            if (!held) table.append("    LESSON DID NOT HOLD: expected ").append(s.expected()).append('\n');
        }
        o.print(table);
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
