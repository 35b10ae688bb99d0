package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.core.Precision;
import java.util.List;

/**
 * What one run of a scenario did: the guard's reports (empty if everything stayed finite), the
 * last finite loss, the loss and gradient-norm curves per applied optimiser step (empty for a
 * single computation), how the run ended, and any measurements the lesson shows (e.g. the mean
 * sigmoid derivative per layer), and the format it computed in ({@link #precision()}, the
 * thread's {@link Precision#current()} when the outcome was made, which a scenario does at the end
 * of its run). Immutable.
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
    private final Precision precision;
    /** Per applied step, the loss scale its gradients were computed with (NaN without loss scaling); empty if not recorded. */
    private final double[] lossScales;

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
        this.precision = Precision.current();
        this.lossScales = new double[0];
    }

    private Outcome(Outcome o, List<String> notes, double[] lossScales) {
        this.reports = o.reports;
        this.loss = o.loss;
        this.losses = o.losses;
        this.gradNorms = o.gradNorms;
        this.ending = o.ending;
        this.notes = List.copyOf(notes);
        this.precision = o.precision;
        this.lossScales = lossScales;
    }

    /** An outcome of a single computation (no training curve). */
    public static Outcome computed(List<NanReport> reports, double loss, String ending, List<String> notes) {
        return new Outcome(reports, loss, new double[0], new double[0], ending, notes);
    }

    /** The same outcome with these measurements shown with the lesson. */
    public Outcome withNotes(List<String> lines) {
        if (lines == null) throw new IllegalArgumentException("Outcome.withNotes: notes must not be null");
        return new Outcome(this, lines, lossScales);
    }

    /**
     * The same outcome with the loss scale of each applied step (NaN where none was used), drawn on
     * the lesson's gradnorm.png.
     *
     * @throws IllegalArgumentException if {@code scales} is null or not one per applied step
     */
    public Outcome withLossScales(double[] scales) {
        if (scales == null || scales.length != losses.length) {
            throw new IllegalArgumentException("Outcome.withLossScales: " + (scales == null ? "null" : scales.length + " scales")
                    + " for " + losses.length + " steps");
        }
        return new Outcome(this, notes, scales.clone());
    }

    /** The loss scale of each applied step (NaN where none was used); empty if the run recorded none. */
    public double[] lossScales() { return lossScales.clone(); }

    /** The guard's reports, in the order they happened. */
    public List<NanReport> reports() { return reports; }

    /** True if the run met a non-finite value (the guard reported one). */
    public boolean nonFinite() { return !reports.isEmpty(); }

    /** True if the run applied steps and every one had a gradient global norm of exactly 0: it learned nothing. */
    public boolean frozen() {
        if (gradNorms.length == 0) return false;
        for (double g : gradNorms) if (g != 0) return false;
        return true;
    }

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

    /** The format the run computed in. */
    public Precision precision() { return precision; }
}
