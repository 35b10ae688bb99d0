package io.finitegrad.examples.nanlab;

import io.finitegrad.optim.train.TrainingListener;
import java.util.Arrays;

/**
 * Records the loss and the gradient norm of every applied optimiser step, for the curves of a
 * lesson page: per step rather than per epoch, so a run that diverges within its first epoch still
 * has a curve. With loss scaling on, also the scale each applied step's backward pass started from
 * (NaN without scaling) and how many steps were skipped for an overflow. Growable primitive arrays,
 * no boxing.
 */
final class CurveRecorder implements TrainingListener {
    private double[] losses = new double[64];
    private double[] norms = new double[64];
    private double[] scales = new double[64];
    private int size;
    private int skipped;

    @Override
    public void afterStep(int epoch, int batch, double loss, double gradNorm) {
        if (size == losses.length) {
            losses = Arrays.copyOf(losses, 2 * size);
            norms = Arrays.copyOf(norms, 2 * size);
            scales = Arrays.copyOf(scales, 2 * size);
        }
        losses[size] = loss;
        norms[size] = gradNorm;
        scales[size] = Double.NaN;
        size++;
    }

    /** Called after afterStep for an applied step, alone for a skipped one. */
    @Override
    public void onLossScale(int epoch, int batch, double scale, boolean skippedStep) {
        if (skippedStep) skipped++;
        else if (size > 0) scales[size - 1] = scale;
    }

    double[] losses() {
        return Arrays.copyOf(losses, size);
    }

    double[] gradNorms() {
        return Arrays.copyOf(norms, size);
    }

    /** Per applied step, the loss scale its gradients were computed with; NaN everywhere without loss scaling. */
    double[] lossScales() {
        return Arrays.copyOf(scales, size);
    }

    /** Steps skipped because their scaled gradient overflowed (they have no point on the curves). */
    int skippedSteps() {
        return skipped;
    }

    /** The last recorded loss, NaN before the first step. */
    double lastLoss() {
        return size == 0 ? Double.NaN : losses[size - 1];
    }
}
