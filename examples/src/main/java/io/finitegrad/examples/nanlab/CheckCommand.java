package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.check.FinitenessReport;
import io.finitegrad.core.Precision;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nanlab check SCENARIO [--fixed] [--precision P] [--seed N] [--tries N] [--out DIR]}: the
 * finiteness analysis of a lesson's model before its first step, over its data's column ranges,
 * forward and backward, in the lesson's format or the one {@code --precision} names: potential
 * defects, confirmed ones with the input and the guard's report, suggested fixes, the certificate
 * or what prevents one, the largest certified parameter radius; then whether the check kept the
 * lesson's promise ({@link Expected.Kind}). With {@code --out} it writes report.txt, report.json,
 * bounds.json (intervals per node) and graph.dot (coloured by headroom).
 *
 * <p>Exits {@link NanLab#NON_FINITE} when a confirmed defect remains, {@link NanLab#OK} when the
 * model is certified, and also {@link NanLab#OK} when it is not certifiable but no defect was
 * confirmed (unconfirmed warnings, a host-side read, an op without a range transfer): a warning
 * line says so. {@link NanLab#INPUT_ERROR} for a bad flag or scenario.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Prove a scenario's model finite before training, or find and confirm the input that breaks it.")
final class CheckCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SCENARIO", description = "number or short name (see nanlab list)")
    private String scenario;

    @Option(names = "--fixed", description = "check the remedied version")
    private boolean fixed;

    @Option(names = "--precision", paramLabel = "P",
            description = "fp64, fp32, bf16 or fp16 (default: the lesson's own format, see nanlab list)")
    private String precision;

    @Option(names = "--seed", paramLabel = "N", description = "seed of data and initialisation (default ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--tries", paramLabel = "N",
            description = "model runs the confirmation search makes per potential defect (default: the lesson's, "
                    + CheckSpec.TRIES + " for most)")
    private Integer tries;

    @Option(names = "--out", paramLabel = "DIR", description = "write report.txt, report.json, bounds.json and graph.dot")
    private Path out;

    @Override
    public Integer call() throws IOException {
        if (tries != null && tries < 0) throw new InputException("--tries must be >= 0, got " + tries);
        Scenario s = Scenarios.find(scenario);
        Precision p = precision == null ? s.precision() : Flags.precision(precision);
        PrintWriter o = spec.commandLine().getOut();
        o.println("== Check of lesson " + s.number() + ": " + s.name() + (fixed ? " (fixed)" : " (broken)") + ", "
                + p.label());
        o.println(Narrator.wrap("Before the first step, over the data's column ranges; the lesson's failure: "
                + CheckPromise.describe(s, p, fixed) + "."));
        o.println();
        o.flush();
        CheckSpec c = Scenarios.check(s, Lab.quiet(seed), fixed, p);
        FinitenessReport r = (tries == null ? c : c.tries(tries)).run();
        String text = r.toString();
        o.print(text);
        o.println();
        String verdict = CheckPromise.verdict(s, p, fixed, r);
        o.print(verdict);
        if (out != null) for (Path f : write(out, r, text + "\n" + verdict)) o.println("wrote " + f);
        o.flush();
        return r.hasConfirmedDefect() ? NanLab.NON_FINITE : NanLab.OK;
    }

    /** Writes report.txt, report.json, bounds.json and graph.dot into {@code dir}; returns their paths. */
    static List<Path> write(Path dir, FinitenessReport r, String text) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        written.add(Files.writeString(dir.resolve("report.txt"), text, StandardCharsets.UTF_8));
        written.add(Files.writeString(dir.resolve("report.json"), r.toJson(), StandardCharsets.UTF_8));
        written.add(Files.writeString(dir.resolve("bounds.json"), r.boundsJson(), StandardCharsets.UTF_8));
        written.add(Files.writeString(dir.resolve("graph.dot"), r.toDot(), StandardCharsets.UTF_8));
        return written;
    }
}
