package io.finitegrad.examples.nanlab;

import io.finitegrad.core.Tensor;
import io.finitegrad.optim.data.StandardScaler;

/**
 * The per-column feature transform {@code (x - shift) / scale} that {@code nanlab train} fitted on
 * the training set, kept as plain statistics so {@code predict} can apply it again from a
 * checkpoint's metadata: {@code standard} (StandardScaler's mean and standard deviation),
 * {@code minmax} (minimum and range), or {@code none}. Immutable.
 *
 * @throws IllegalArgumentException for an unknown kind, mismatched or non-finite statistics, a
 *     zero scale, or data of another width
 */
final class FeatureScaling {
    private final String kind;
    private final double[] shift;
    private final double[] scale;

    private FeatureScaling(String kind, double[] shift, double[] scale) {
        this.kind = kind;
        this.shift = shift;
        this.scale = scale;
    }

    /** Rebuilds a scaling from its statistics. */
    static FeatureScaling of(String kind, double[] shift, double[] scale) {
        if (!kind.equals("standard") && !kind.equals("minmax") && !kind.equals("none")) {
            throw new IllegalArgumentException("unknown scaling '" + kind + "', expected standard, minmax or none");
        }
        if (shift.length != scale.length || kind.equals("none") != (shift.length == 0)) {
            throw new IllegalArgumentException("scaling '" + kind + "' has " + shift.length + " shifts and " + scale.length
                    + " scales");
        }
        for (int j = 0; j < shift.length; j++) {
            if (!Double.isFinite(shift[j]) || !Double.isFinite(scale[j]) || scale[j] == 0) {
                throw new IllegalArgumentException("scaling column " + j + " has shift " + shift[j] + " and scale " + scale[j]);
            }
        }
        return new FeatureScaling(kind, shift.clone(), scale.clone());
    }

    /**
     * Fits {@code kind} on training features.
     *
     * @throws InputException naming {@code --scale} when the features hold NaN/Inf (kept by
     *     {@code --bad-cells keep-non-finite}), which no scaling can be fitted on
     */
    static FeatureScaling fit(String kind, Tensor x) {
        if (!kind.equals("none")) {
            for (double v : x.toFlatArray()) {
                if (!Double.isFinite(v)) {
                    throw new InputException("--scale " + kind + ": the training features hold NaN/Inf (see the data check),"
                            + " which a scaling cannot be fitted on; train with --scale none to let the guard find them, or"
                            + " load with --bad-cells drop-row or --bad-cells impute-mean");
                }
            }
        }
        switch (kind) {
            case "none":
                return of(kind, new double[0], new double[0]);
            case "standard": {
                StandardScaler s = new StandardScaler();
                s.fit(x);
                return of(kind, s.mean(), s.scale());
            }
            case "minmax": {
                int c = x.cols();
                double[] d = x.toFlatArray(), min = new double[c], range = new double[c];
                java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
                double[] max = new double[c];
                java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
                for (int i = 0; i < d.length; i++) {
                    min[i % c] = Math.min(min[i % c], d[i]);
                    max[i % c] = Math.max(max[i % c], d[i]);
                }
                for (int j = 0; j < c; j++) range[j] = max[j] > min[j] ? max[j] - min[j] : 1;
                return of(kind, min, range);
            }
            default:
                throw new IllegalArgumentException("unknown scaling '" + kind + "', expected standard, minmax or none");
        }
    }

    String kind() { return kind; }
    double[] shift() { return shift.clone(); }
    double[] scale() { return scale.clone(); }

    /** Columns this scaling was fitted on, -1 for {@code none}. */
    int width() {
        return kind.equals("none") ? -1 : shift.length;
    }

    Tensor apply(Tensor x) {
        if (shift.length == 0) return x;
        if (x.cols() != shift.length) {
            throw new IllegalArgumentException("scaling fitted on " + shift.length + " columns, got " + x.shape());
        }
        double[] d = x.toFlatArray();
        int c = shift.length;
        for (int i = 0; i < d.length; i++) d[i] = (d[i] - shift[i % c]) / scale[i % c];
        return Tensor.of(x.rows(), c, d);
    }
}
