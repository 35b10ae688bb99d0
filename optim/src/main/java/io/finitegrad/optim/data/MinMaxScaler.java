package io.finitegrad.optim.data;

/**
 * Maps each column's training range [min, max] to [0, 1] (scikit-learn's MinMaxScaler). A
 * constant column has range 0; its scale is taken as 1, so it becomes all zeros. Test data may fall
 * outside [0, 1].
 *
 * @throws IllegalStateException / IllegalArgumentException as {@link Scaler}
 */
public final class MinMaxScaler extends ColumnAffine {
    public MinMaxScaler() {
        super("MinMaxScaler");
    }

    @Override
    void learn(double[] d, int rows, int cols) {
        double[] min = new double[cols], max = new double[cols];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < d.length; i++) {
            min[i % cols] = Math.min(min[i % cols], d[i]);
            max[i % cols] = Math.max(max[i % cols], d[i]);
        }
        double[] range = new double[cols];
        for (int j = 0; j < cols; j++) range[j] = max[j] > min[j] ? max[j] - min[j] : 1;
        shift = min;
        scale = range;
    }
}
