package io.finitegrad.examples.nanlab;

import io.finitegrad.optim.train.TrainingListener;
import java.util.Arrays;

/**
 * Records the loss and the gradient norm of every applied optimiser step, for the curves of a
 * lesson page: per step rather than per epoch, so a run that diverges within its first epoch still
 * has a curve. Growable primitive arrays, no boxing.
 */
final class CurveRecorder implements TrainingListener {
    private double[] losses = new double[64];
    private double[] norms = new double[64];
    private int size;

    @Override
    public void afterStep(int epoch, int batch, double loss, double gradNorm) {
        if (size == losses.length) {
            losses = Arrays.copyOf(losses, 2 * size);
            norms = Arrays.copyOf(norms, 2 * size);
        }
        losses[size] = loss;
        norms[size] = gradNorm;
        size++;
    }

    double[] losses() {
        return Arrays.copyOf(losses, size);
    }

    double[] gradNorms() {
        return Arrays.copyOf(norms, size);
    }

    /** The last recorded loss, NaN before the first step. */
    double lastLoss() {
        return size == 0 ? Double.NaN : losses[size - 1];
    }
}
