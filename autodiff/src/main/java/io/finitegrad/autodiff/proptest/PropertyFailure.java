package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.NanReport;

/**
 * A stability property that does not hold: the property, the shrunk input, what was wrong with it,
 * the guard's report of where the NaN/Inf entered (when one did), and the seed that reproduces it.
 * JUnit shows it as a test failure; its message holds all of it.
 */
public final class PropertyFailure extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final String property;
    private final String input;
    private final String problem;
    private final transient NanReport report;
    private final long seed;
    private final int examples;

    PropertyFailure(String property, String input, String problem, NanReport report, long seed, int examples, Throwable cause) {
        super(message(property, "falsified after " + examples + (examples == 1 ? " example" : " examples") + ", seed " + seed,
                input, problem, report, ".seed(" + seed + "L) on the property, or run with -DQT_SEED=" + seed), cause);
        this.property = property;
        this.input = input;
        this.problem = problem;
        this.report = report;
        this.seed = seed;
        this.examples = examples;
    }

    /** A failure of a deterministic search, which has no seed: {@link #seed()} is 0 and {@link #examples()} 1. */
    PropertyFailure(String property, String how, String input, String problem, NanReport report) {
        super(message(property, how, input, problem, report, null), null);
        this.property = property;
        this.input = input;
        this.problem = problem;
        this.report = report;
        this.seed = 0;
        this.examples = 1;
    }

    private static String message(String property, String how, String input, String problem, NanReport report, String reproduce) {
        StringBuilder sb = new StringBuilder(property).append(" does not hold (").append(how).append(")");
        sb.append("\n  input").append(reproduce == null ? ": " : " (shrunk): ").append(input);
        sb.append("\n  ").append(problem.replace("\n", "\n  "));
        if (report != null) sb.append("\n  guard: ").append(report.toString().replace("\n", "\n  "));
        if (reproduce != null) sb.append("\n  reproduce: ").append(reproduce);
        return sb.toString();
    }

    /** The property's name, e.g. {@code "finiteGradients(mySoftplus)"}. */
    public String property() { return property; }

    /** The shrunk input, printed in full precision. */
    public String input() { return input; }

    /** What was wrong at that input. */
    public String problem() { return problem; }

    /**
     * The guard's report of the entry point. Null exactly when the failure involved no NaN/Inf that
     * the guard saw enter: a finite but wrong value or gradient, a user function or update that
     * threw something other than {@link io.finitegrad.autodiff.NonFiniteException}, or a NaN/Inf
     * the guard never saw made (built while your function had the guard OFF, or written into a
     * leaf's storage in place). A NaN/Inf in the generated input is reported at its leaf, and a
     * step that overflows a parameter has one too: the step replayed as a node.
     */
    public NanReport report() { return report; }

    /** The seed of the run that found it. */
    public long seed() { return seed; }

    /** How many examples ran before the first failure. */
    public int examples() { return examples; }
}
