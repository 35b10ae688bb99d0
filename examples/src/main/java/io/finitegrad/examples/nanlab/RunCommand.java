package io.finitegrad.examples.nanlab;

import io.finitegrad.core.Precision;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nanlab run SCENARIO [--fixed] [--precision P] [--seed N] [--out DIR] [--quiet]}: runs a
 * lesson's broken version (or with {@code --fixed} its remedy) in the lesson's format or the one
 * {@code --precision} names, prints the guard's report or the result, and with {@code --out}
 * writes the lesson's files ({@link RunArtifacts}; both versions are run for them).
 * Exits {@link NanLab#NON_FINITE} when the run met a non-finite value.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run one scenario, broken or --fixed.")
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SCENARIO", description = "number or short name (see nanlab list)")
    private String scenario;

    @Option(names = "--fixed", description = "run the remedied version")
    private boolean fixed;

    @Option(names = "--precision", paramLabel = "P",
            description = "fp64, fp32, bf16 or fp16 (default: the lesson's own format, see nanlab list)")
    private String precision;

    @Option(names = "--seed", paramLabel = "N", description = "seed of data, initialisation and batches (default ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "write report.txt/json, graph.dot/svg, loss.png, gradnorm.png, index.html")
    private Path out;

    @Option(names = "--quiet", description = "no lesson text and no progress bar: only the results")
    private boolean quiet;

    @Override
    public Integer call() throws IOException {
        Scenario s = Scenarios.find(scenario);
        Precision p = precision == null ? s.precision() : Flags.precision(precision);
        PrintWriter o = spec.commandLine().getOut();
        Narrator n = new Narrator(o);
        Lab lab = new Lab(seed, TerminalProgress.factory(quiet));
        n.title(s, p);
        if (!quiet) n.lesson(s);
        o.flush();
        Outcome broken = null, remedied = null;
        if (fixed || out != null) remedied = Scenarios.fixed(s, lab, p);
        if (!fixed || out != null) broken = Scenarios.broken(s, lab, p);
        if (fixed) n.fixed(s, remedied);
        else n.broken(s, broken);
        if (out != null) {
            for (Path f : RunArtifacts.write(out, s, broken, remedied, Graphviz.system(), o)) o.println("wrote " + f);
        }
        o.flush();
        Outcome shown = fixed ? remedied : broken;
        return shown.nonFinite() ? NanLab.NON_FINITE : NanLab.OK;
    }
}
