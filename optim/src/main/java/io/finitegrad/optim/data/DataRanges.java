package io.finitegrad.optim.data;

import io.finitegrad.core.Interval;
import io.finitegrad.core.Tensor;

/**
 * The ranges a {@link Dataset}'s columns span, as the input boxes a finiteness check
 * ({@code io.finitegrad.autodiff.check.FinitenessCheck}) declares: for a batch of {@code rows}
 * rows, every row's element {@code j} lies in {@code [min_j, max_j]}, the smallest and largest
 * value of column {@code j} over the whole set. A NaN cell makes the box admit NaN (one flag per
 * box), and an infinite cell makes its column's end infinite, so the check flags the input itself
 * as it flags a non-finite batch. The ranges can be widened about their midpoints by a factor, for
 * data a little beyond what was seen. Ends are data values (exact), and widened ends are rounded
 * outward.
 *
 * @throws IllegalArgumentException from every method for a null set, a non-positive row count, or
 *     a factor that is not finite and at least 1
 */
public final class DataRanges {
    private DataRanges() {
    }

    /** The features' column ranges for a batch of {@code rows} rows. */
    public static Interval features(Dataset d, int rows) {
        return features(d, rows, 1);
    }

    /** The features' column ranges, widened by {@code factor} about their midpoints, for a batch of {@code rows} rows. */
    public static Interval features(Dataset d, int rows, double factor) {
        if (d == null) throw new IllegalArgumentException("DataRanges.features: the dataset is null");
        return columns(d.features(), rows, factor);
    }

    /**
     * The targets' column ranges for a batch of {@code rows} rows: one-hot columns for a
     * classification set (each in [0, 1] when both values occur), as the Trainer feeds them.
     */
    public static Interval targets(Dataset d, int rows) {
        return targets(d, rows, 1);
    }

    /** The targets' column ranges (one-hot for a classification set), widened by {@code factor}. */
    public static Interval targets(Dataset d, int rows, double factor) {
        if (d == null) throw new IllegalArgumentException("DataRanges.targets: the dataset is null");
        return columns((d.isClassification() ? d.oneHot() : d).targets(), rows, factor);
    }

    /**
     * The column ranges of {@code t} (n x d) for a batch of {@code rows} rows (rows x d), each
     * widened by {@code factor} about its midpoint (1: as they are).
     */
    public static Interval columns(Tensor t, int rows, double factor) {
        if (t == null) throw new IllegalArgumentException("DataRanges.columns: the tensor is null");
        if (rows <= 0) throw new IllegalArgumentException("DataRanges: a batch needs at least one row, got " + rows);
        if (!(factor >= 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("DataRanges: the widening factor must be finite and >= 1, got " + factor);
        }
        int n = t.rows(), d = t.cols();
        double[] min = new double[d], max = new double[d];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        boolean nan = false;
        double[] data = t.toFlatArray();
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < d; c++) {
                double v = data[r * d + c];
                if (v != v) {
                    nan = true;
                    continue;
                }
                if (v < min[c]) min[c] = v;
                if (v > max[c]) max[c] = v;
            }
        }
        double[] lo = new double[rows * d], hi = new double[rows * d];
        for (int c = 0; c < d; c++) {
            double l = min[c], h = max[c];
            if (l > h) { // a column of NaN (or an empty set): nothing is known of it
                l = Double.NEGATIVE_INFINITY;
                h = Double.POSITIVE_INFINITY;
            } else if (factor != 1 && Double.isFinite(l) && Double.isFinite(h)) {
                double mid = l * 0.5 + h * 0.5, rad = (h * 0.5 - l * 0.5) * factor;
                l = Math.min(l, Math.nextDown(mid - rad));
                h = Math.max(h, Math.nextUp(mid + rad));
            }
            for (int r = 0; r < rows; r++) {
                lo[r * d + c] = l;
                hi[r * d + c] = h;
            }
        }
        return Interval.taking(rows, d, lo, hi, nan);
    }
}
