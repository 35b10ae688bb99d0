package io.finitegrad.optim.data;

import io.finitegrad.core.Tensor;

/**
 * A per-column feature transform fitted on the training set and then applied, unchanged, to
 * training and test data (fitting on test data would leak it into training).
 *
 * @throws IllegalStateException from {@link #transform} before {@link #fit}
 * @throws IllegalArgumentException for non-finite data or a column count that differs from the fit
 */
public interface Scaler {
    /** Learns the per-column statistics from {@code x}; returns this scaler. */
    Scaler fit(Tensor x);

    /** Applies the learned transform to {@code x}. */
    Tensor transform(Tensor x);

    default Tensor fitTransform(Tensor x) {
        return fit(x).transform(x);
    }

    /** The dataset with its features transformed. */
    default Dataset transform(Dataset d) {
        return d.withFeatures(transform(d.features()));
    }

    /** Fits on {@code d}'s features; returns this scaler. */
    default Scaler fit(Dataset d) {
        return fit(d.features());
    }
}
