package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;

/**
 * Accumulates one epoch's training metrics (row-weighted loss, correct predictions, gradient norms,
 * skipped steps)
 * without allocating per step, and turns them into a {@link History.Epoch}; also the argmax
 * accuracy count shared with {@link Evaluator} and {@link Predictions}.
 */
final class Metrics {
    private double lossSum;
    private int rows;
    private int correct;
    private double normSum;
    private double maxNorm;
    private int normSteps;
    private int skipped;

    void reset() {
        skipped = 0;
        lossSum = 0;
        rows = 0;
        correct = 0;
        normSum = 0;
        maxNorm = 0;
        normSteps = 0;
    }

    /** A batch of {@code n} rows with mean loss {@code loss} and {@code hits} correct predictions. */
    void addBatch(double loss, int n, int hits) {
        lossSum += loss * n;
        rows += n;
        correct += hits;
    }

    /** The pre-clip gradient norm of an applied step (skipped steps have none). */
    void addGradNorm(double norm) {
        normSum += norm;
        maxNorm = Math.max(maxNorm, norm);
        normSteps++;
    }

    /** A step whose update was skipped for a non-finite gradient (loss-scale overflow or SKIP policy). */
    void addSkipped() {
        skipped++;
    }

    /** Steps skipped this epoch. */
    int skipped() {
        return skipped;
    }

    /** The epoch's record; accuracy only when {@code classify}, test metrics NaN when {@code test} is null. */
    History.Epoch epoch(int epoch, boolean classify, double lr, Evaluation test) {
        return new History.Epoch(epoch, lossSum / rows, classify ? (double) correct / rows : Double.NaN,
                normSteps == 0 ? Double.NaN : normSum / normSteps, normSteps == 0 ? Double.NaN : maxNorm, lr,
                test == null ? Double.NaN : test.loss(), test == null ? Double.NaN : test.accuracy());
    }

    /** Rows whose predicted class (argmax of {@code pred}) is the target's (argmax of one-hot {@code targets}). */
    static int correct(Var pred, Tensor targets) {
        double[] p = pred.read().data;
        int c = targets.cols(), n = 0;
        for (int i = 0; i < targets.rows(); i++) {
            int bt = 0;
            for (int j = 1; j < c; j++) if (targets.get(i, j) > targets.get(i, bt)) bt = j;
            if (argmax(p, i, c) == bt) n++;
        }
        return n;
    }

    /** Column of the largest value in row {@code row} of a row-major matrix with {@code cols} columns (first on ties). */
    static int argmax(double[] rowMajor, int row, int cols) {
        int off = row * cols, best = 0;
        for (int j = 1; j < cols; j++) if (rowMajor[off + j] > rowMajor[off + best]) best = j;
        return best;
    }
}
