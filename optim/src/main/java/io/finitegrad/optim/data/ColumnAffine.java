package io.finitegrad.optim.data;

import io.finitegrad.autodiff.Provenance;
import io.finitegrad.core.Tensor;

/** Shared machinery of the scalers: {@code (x - shift) / scale} per column, with validation. */
abstract class ColumnAffine implements Scaler {
    private final String name;
    double[] shift;
    double[] scale;

    ColumnAffine(String name) {
        this.name = name;
    }

    /** Sets {@link #shift} and {@link #scale} from the columns of {@code x} (d[r * cols + c]). */
    abstract void learn(double[] d, int rows, int cols);

    @Override
    public final Scaler fit(Tensor x) {
        if (x == null) throw new IllegalArgumentException(name + ".fit: data is null");
        return fit(x, null);
    }

    /** Fits on a dataset's features; a NaN/Inf cell is named by its row, file line and feature. */
    @Override
    public final Scaler fit(Dataset data) {
        if (data == null) throw new IllegalArgumentException(name + ".fit: data is null");
        return fit(data.features(), data.provenance());
    }

    private Scaler fit(Tensor x, Provenance rows) {
        double[] d = x.toFlatArray();
        for (int i = 0; i < d.length; i++) {
            if (!Double.isFinite(d[i])) {
                int r = i / x.cols(), c = i % x.cols();
                throw new IllegalArgumentException(name + ".fit: cell (" + r + ", " + c + ") is " + d[i]
                        + (rows == null ? "" : ": " + rows.describe(r, c)) + "; clean the data first (see DataReport)");
            }
        }
        learn(d, x.rows(), x.cols());
        return this;
    }

    @Override
    public final Tensor transform(Tensor x) {
        if (shift == null) throw new IllegalStateException(name + ".transform: call fit on the training data first");
        if (x.cols() != shift.length) {
            throw new IllegalArgumentException(name + ".transform: fitted on " + shift.length + " columns, got " + x.shape());
        }
        double[] d = x.toFlatArray();
        int c = x.cols();
        for (int i = 0; i < d.length; i++) d[i] = (d[i] - shift[i % c]) / scale[i % c];
        return Tensor.of(x.rows(), c, d);
    }
}
