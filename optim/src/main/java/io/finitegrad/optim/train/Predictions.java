package io.finitegrad.optim.train;

import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a model predicts for a batch of rows, from {@link Evaluator#predict} (and
 * {@link Trainer#predict}): the raw outputs (one row per input row: a regressor's values, a
 * classifier's logits), and for a classifier the predicted class of each row, by index into
 * {@link #classNames()} and by name. Immutable.
 *
 * @throws IllegalStateException from the class accessors of a regressor's predictions
 */
public final class Predictions {
    private final Tensor values;
    private final List<String> classNames;
    private final int[] classes;

    Predictions(Tensor values, List<String> classNames) {
        this.values = values;
        this.classNames = List.copyOf(classNames);
        if (this.classNames.isEmpty()) {
            this.classes = null;
        } else {
            double[] d = values.toFlatArray();
            int n = values.rows(), c = values.cols();
            this.classes = new int[n];
            for (int i = 0; i < n; i++) classes[i] = Metrics.argmax(d, i, c);
        }
    }

    /** The model's outputs, one row per input row. */
    public Tensor values() {
        return values;
    }

    /** Number of rows predicted. */
    public int size() {
        return values.rows();
    }

    /** True for a classifier's predictions (the model was given a class vocabulary). */
    public boolean isClassification() {
        return classes != null;
    }

    /** The classes the model's output columns stand for, in column order; empty for a regressor. */
    public List<String> classNames() {
        return classNames;
    }

    /** The predicted class of each row (argmax of its outputs), as an index into {@link #classNames()}. */
    public int[] classIndices() {
        return requireClasses("classIndices").clone();
    }

    /** The predicted class of each row, by name. */
    public List<String> labels() {
        int[] c = requireClasses("labels");
        List<String> out = new ArrayList<>(c.length);
        for (int k : c) out.add(classNames.get(k));
        return Collections.unmodifiableList(out);
    }

    private int[] requireClasses(String what) {
        if (classes == null) {
            throw new IllegalStateException("Predictions." + what + ": these are a regressor's values (no class "
                    + "vocabulary); read values() instead");
        }
        return classes;
    }

    @Override
    public String toString() {
        return "Predictions " + size() + " rows" + (classes == null ? ", values " + values.shape()
                : ", classes " + classNames);
    }
}
