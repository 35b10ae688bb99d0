package io.finitegrad.optim.data;

/**
 * Standardises each column to mean 0 and standard deviation 1 (population standard deviation, as
 * scikit-learn's StandardScaler). A constant column has standard deviation 0; its scale is taken
 * as 1, so it becomes all zeros instead of 0/0 = NaN.
 *
 * @throws IllegalStateException / IllegalArgumentException as {@link Scaler}
 */
public final class StandardScaler extends ColumnAffine {
    public StandardScaler() {
        super("StandardScaler");
    }

    @Override
    void learn(double[] d, int rows, int cols) {
        boolean[] constant = new boolean[cols];
        java.util.Arrays.fill(constant, true);
        for (int i = cols; i < d.length; i++) if (d[i] != d[i % cols]) constant[i % cols] = false;
        double[] mean = new double[cols], sd = new double[cols];
        for (int i = 0; i < d.length; i++) mean[i % cols] += d[i];
        for (int j = 0; j < cols; j++) mean[j] = constant[j] ? d[j] : mean[j] / rows;
        for (int i = 0; i < d.length; i++) {
            double e = d[i] - mean[i % cols];
            sd[i % cols] += e * e;
        }
        for (int j = 0; j < cols; j++) {
            sd[j] = Math.sqrt(sd[j] / rows);
            if (constant[j] || sd[j] == 0) sd[j] = 1; // rounding must not leave a tiny divisor
        }
        shift = mean;
        scale = sd;
    }

    /** The fitted column means (a copy). */
    public double[] mean() {
        return shift.clone();
    }

    /** The fitted column scales: standard deviations, 1 for constant columns (a copy). */
    public double[] scale() {
        return scale.clone();
    }
}
