package io.finitegrad.examples.nanlab;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code nanlab list}: the scenarios, one line each (number, short name, what breaks). */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the scenarios.")
final class ListCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (Scenario s : Scenarios.all()) out.printf("%3d  %-18s %s%n", s.number(), s.name(), s.breaks());
        out.flush();
        return NanLab.OK;
    }
}
