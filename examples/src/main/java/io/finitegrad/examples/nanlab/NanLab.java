package io.finitegrad.examples.nanlab;

import io.finitegrad.core.Gemm;
import io.finitegrad.optim.data.CsvFormatException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code nanlab}, the teaching tool: every classic NaN scenario reproduced, located and fixed
 * ({@code list}, {@code run}, {@code tour}), proved finite or confirmed broken before the first step
 * ({@code check}), where each textbook formula breaks next to its stable twin
 * ({@code limits}), and an MLP on any CSV ({@code train}, {@code predict}).
 *
 * <p>Exit codes: {@value #OK} success; {@value #NON_FINITE} when a run met a non-finite value (a
 * broken scenario that breaks, training stopped by the watchdog), a finiteness check confirmed a
 * defect ({@code check}, {@code train --check}), or the tour saw a scenario behave otherwise than
 * its lesson says; {@value #INPUT_ERROR} for a bad flag or a bad input file, with one
 * line naming the problem on standard error; {@value #INTERNAL_ERROR} for a bug in nanlab itself
 * (with its stack trace).
 *
 * <p>The global option {@code --gemm java|openblas|auto}, given before or after any subcommand, pins
 * the matrix-multiply kernel ({@link Gemm}) for the whole command; without it the
 * {@code finitegrad.gemm} property or {@code FINITEGRAD_GEMM} decides (auto: OpenBLAS when it
 * loads). Results are bit-identical per kernel and host; {@code --gemm java} gives the same bits
 * on every host.
 */
@Command(name = "nanlab", mixinStandardHelpOptions = true, versionProvider = NanLab.Version.class,
        description = "Classic NaN/Inf scenarios reproduced through finitegrad, located by its guard, and fixed.",
        subcommands = {ListCommand.class, RunCommand.class, CheckCommand.class, TourCommand.class, LimitsCommand.class, TrainCommand.class,
                PredictCommand.class, ExportCommand.class, InspectCommand.class})
public final class NanLab implements Runnable {
    /** Success. */
    public static final int OK = 0;
    /** A run met a non-finite value, or the tour saw a lesson not hold. */
    public static final int NON_FINITE = 1;
    /** A bad flag, argument or input file. */
    public static final int INPUT_ERROR = 2;
    /** A bug in nanlab. */
    public static final int INTERNAL_ERROR = 3;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** The kernel {@code --gemm} chose, or null when it was not given. */
    private Gemm.Kernel gemm;

    @CommandLine.Option(names = "--gemm", scope = CommandLine.ScopeType.INHERIT, paramLabel = "java|openblas|auto",
            description = "matrix-multiply kernel: java (EJML, the same bits on every host), openblas, or auto "
                    + "(OpenBLAS when it loads); default: finitegrad.gemm, FINITEGRAD_GEMM, else auto")
    void gemm(String value) {
        gemm = kernel(value);
    }

    /**
     * The kernel {@code --gemm value} chooses.
     *
     * @throws CommandLine.ParameterException naming the flag and the value when it is unknown, or is
     *     openblas where OpenBLAS did not load (with the reason)
     */
    private Gemm.Kernel kernel(String value) {
        try {
            return Gemm.parse(value);
        } catch (IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--gemm openblas: OpenBLAS did not load here (nanlab --version says why), use java or auto");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--gemm: unknown '" + value + "', expected java, openblas or auto");
        }
    }

    /** {@code nanlab --version}: the version, then the kernel in force as {@link Gemm#describe()}, 80 columns at most. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            List<String> lines = new ArrayList<>(List.of("nanlab 0.1.0"));
            String[] parts = Gemm.describe().split("; ");
            for (int i = 0; i < parts.length; i++) wrap((i == 0 ? "gemm " : "  ") + parts[i], lines);
            return lines.toArray(new String[0]);
        }

        /** {@code text} in lines of at most 80 columns, broken at spaces; continuation lines indented by 4. */
        private static void wrap(String text, List<String> lines) {
            String line = text;
            while (line.length() > 80) {
                int cut = line.lastIndexOf(' ', 80);
                if (cut <= 4) cut = 80; // a word longer than a line: cut it
                lines.add(line.substring(0, cut));
                line = "    " + line.substring(cut).strip();
            }
            lines.add(line);
        }
    }

    /** Runs nanlab on the process's streams and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs nanlab with {@code args}, writing to {@code out} and {@code err}; returns the exit code. */
    @SuppressWarnings("try") // the --gemm pin is opened for its effect, never read
    public static int execute(PrintStream out, PrintStream err, String... args) {
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cl = new CommandLine(new NanLab());
        cl.setOut(o);
        cl.setErr(e);
        cl.setParameterExceptionHandler((ex, a) -> {
            e.println("nanlab: " + oneLine(ex.getMessage()) + " (see nanlab --help)");
            return INPUT_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String input = inputProblem(ex);
            if (input != null) {
                e.println(prefix(cmd) + input);
                return INPUT_ERROR;
            }
            e.println(prefix(cmd) + "internal error, please report it:");
            ex.printStackTrace(e);
            return INTERNAL_ERROR;
        });
        NanLab root = cl.getCommand();
        // the pin must cover the subcommand's whole run, so it opens after parsing and before running
        cl.setExecutionStrategy(parsed -> {
            if (root.gemm == null) return new CommandLine.RunLast().execute(parsed);
            try (Gemm.Pin pin = Gemm.use(root.gemm)) {
                return new CommandLine.RunLast().execute(parsed);
            }
        });
        int code = cl.execute(args);
        o.flush();
        e.flush();
        return code;
    }

    /** "nanlab run: " for a subcommand, "nanlab: " for the root (--version, say). */
    private static String prefix(CommandLine cmd) {
        return cmd.getParent() == null ? "nanlab: " : "nanlab " + cmd.getCommandName() + ": ";
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** One line describing a bad input, or null if {@code ex} is not one (a bug). */
    static String inputProblem(Throwable ex) {
        if (ex instanceof UncheckedIOException u) ex = u.getCause();
        if (ex instanceof NoSuchFileException f) return "file not found: " + f.getFile();
        if (ex instanceof AccessDeniedException f) return "cannot read or write " + f.getFile() + ": permission denied";
        // its remedy names nanlab's flags, not the Java calls
        if (ex instanceof CsvFormatException c) return oneLine(c.message(Flags::spell));
        if (ex instanceof InputException || ex instanceof IOException || ex instanceof IllegalArgumentException) {
            return oneLine(ex.getMessage());
        }
        return null;
    }

    private static String oneLine(String s) {
        if (s == null) return "(no message)";
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
