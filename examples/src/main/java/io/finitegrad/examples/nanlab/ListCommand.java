package io.finitegrad.examples.nanlab;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code nanlab list}: the scenarios, one entry each (number, short name, what breaks), what breaks
 * wrapped under itself so that no line is wider than {@link Narrator#COLUMNS} columns.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the scenarios.")
final class ListCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int name = Scenarios.all().stream().mapToInt(s -> s.name().length()).max().orElse(0);
        for (Scenario s : Scenarios.all()) {
            String head = String.format(Locale.ROOT, "%3d  %-" + name + "s  ", s.number(), s.name());
            String breaks = Narrator.wrap(s.breaks(), Narrator.COLUMNS - head.length());
            out.println(head + Narrator.indent(breaks, head.length()).substring(head.length()));
        }
        out.flush();
        return NanLab.OK;
    }
}
