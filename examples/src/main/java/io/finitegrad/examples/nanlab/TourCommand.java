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
        table.append(String.format(Locale.ROOT, "%-22s %-44s %s%n", "scenario", "where NaN entered (phase, node, cause)",
                "loss after fix"));
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
            String where = entry == null ? "no NaN/Inf" : entry.phase() + ", " + entry.label() + ", " + entry.cause();
            table.append(String.format(Locale.ROOT, "%-22s %-44s %.4g%s%n", s.number() + " " + s.name(), where,
                    fixed.loss(), held ? "" : "   LESSON DID NOT HOLD: expected " + s.expected()));
            table.append(String.format(Locale.ROOT, "%-22s fix: %s%n", "", s.fix()));
        }
        o.print(table);
        if (failures > 0) o.println(failures + " scenario(s) behaved otherwise than their lesson says.");
        o.flush();
        return failures == 0 ? NanLab.OK : NanLab.NON_FINITE;
    }
}
