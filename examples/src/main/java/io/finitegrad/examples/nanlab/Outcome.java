package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import java.util.List;

/**
 * What one run of a scenario did: the guard's reports (empty if everything stayed finite), the
 * last finite loss, the loss and gradient-norm curves per applied optimiser step (empty for a
 * single computation), how the run ended, and any measurements the lesson shows (e.g. the mean
 * sigmoid derivative per layer). Immutable.
 *
 * @throws IllegalArgumentException from the constructor for null lists or curves of different lengths
 */
public final class Outcome {
    private final List<NanReport> reports;
    private final double loss;
    private final double[] losses;
    private final double[] gradNorms;
    private final String ending;
    private final List<String> notes;

    /**
     * @param reports the guard's reports in the order they happened (THROW: the one that stopped the run)
     * @param loss the last finite loss the run computed (NaN if it computed none)
     * @param losses the loss at each applied step
     * @param gradNorms the gradient global norm (before clipping) at each applied step
     * @param ending one line: how the run ended ("completed 30 of 30 epochs", the watchdog's message)
     * @param notes measurements shown with the lesson, one line each
     */
    public Outcome(List<NanReport> reports, double loss, double[] losses, double[] gradNorms, String ending,
                   List<String> notes) {
        if (reports == null || losses == null || gradNorms == null || ending == null || notes == null) {
            throw new IllegalArgumentException("Outcome: reports, curves, ending and notes must not be null");
        }
        if (losses.length != gradNorms.length) {
            throw new IllegalArgumentException("Outcome: " + losses.length + " losses but " + gradNorms.length
                    + " gradient norms");
        }
        this.reports = List.copyOf(reports);
        this.loss = loss;
        this.losses = losses.clone();
        this.gradNorms = gradNorms.clone();
        this.ending = ending;
        this.notes = List.copyOf(notes);
    }

    /** An outcome of a single computation (no training curve). */
    public static Outcome computed(List<NanReport> reports, double loss, String ending, List<String> notes) {
        return new Outcome(reports, loss, new double[0], new double[0], ending, notes);
    }

    /** The same outcome with these measurements shown with the lesson. */
    public Outcome withNotes(List<String> lines) {
        return new Outcome(reports, loss, losses, gradNorms, ending, lines);
    }

    /** The guard's reports, in the order they happened. */
    public List<NanReport> reports() { return reports; }

    /** True if the run met a non-finite value (the guard reported one). */
    public boolean nonFinite() { return !reports.isEmpty(); }

    /** The first report, the one a THROW run stopped at; null if everything stayed finite. */
    public NanReport first() { return reports.isEmpty() ? null : reports.get(0); }

    /** The last finite loss computed (NaN if none). */
    public double loss() { return loss; }

    /** The loss at each applied optimiser step (a copy). */
    public double[] losses() { return losses.clone(); }

    /** The gradient global norm before clipping at each applied step (a copy). */
    public double[] gradNorms() { return gradNorms.clone(); }

    /** How the run ended, one line. */
    public String ending() { return ending; }

    /** The lesson's measurements, one line each. */
    public List<String> notes() { return notes; }
}
