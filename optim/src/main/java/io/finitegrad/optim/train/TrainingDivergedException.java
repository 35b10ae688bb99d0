package io.finitegrad.optim.train;

import io.finitegrad.autodiff.NanReport;

/**
 * Training hit its first non-finite loss, gradient or parameter and was stopped by the
 * {@link Trainer}'s watchdog. No step with non-finite gradients was applied, so the model holds the
 * parameters of the last good step. Carries the guard's entry-point report (where the NaN/Inf
 * first appeared and why; null only if the guard was OFF and nothing could be traced), the epoch
 * (1-based) and batch (0-based) where it happened, and the history of the epochs completed before.
 */
public class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient NanReport report;
    private final int epoch;
    private final int batch;
    private final transient History history;

    public TrainingDivergedException(String message, NanReport report, int epoch, int batch, History history,
                                     Throwable cause) {
        super(message + (report == null ? "" : "\n" + report), cause);
        this.report = report;
        this.epoch = epoch;
        this.batch = batch;
        this.history = history;
    }

    public NanReport report() { return report; }
    public int epoch() { return epoch; }
    public int batch() { return batch; }
    /** The epochs completed before training diverged (all finite). */
    public History history() { return history; }
}
