package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.Optimizer;
import io.finitegrad.optim.data.Dataset;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * What {@link Trainer#fit} checks before the first step, so that a dataset that does not fit the
 * model fails before any weight changes: both datasets against the model (a dry-run forward, see
 * {@link Evaluator}), the test set against the training set, and that the optimiser updates only
 * the model's parameters (a subset, so layers can be frozen).
 */
final class FitCheck {
    private FitCheck() {
    }

    /**
     * Checks {@code train} and {@code test} (may be null) against the model through {@code ev}, the
     * test set against the training set, and the optimiser's parameters against the model's.
     *
     * @throws IllegalArgumentException naming the dataset or parameter, with expected and actual counts
     */
    static void check(Layer model, Optimizer optimizer, Evaluator ev, Dataset train, Dataset test) {
        ev.check("Trainer.fit", "training set", train, true);
        if (test != null) {
            if (test.isClassification() != train.isClassification()) {
                throw new IllegalArgumentException("Trainer.fit: the training set is a " + kind(train)
                        + " set but the test set is a " + kind(test) + " set");
            }
            if (test.features().cols() != train.features().cols()) {
                throw new IllegalArgumentException("Trainer.fit: the test set has " + test.features().cols()
                        + " feature columns " + test.featureNames() + " but the training set has "
                        + train.features().cols() + " " + train.featureNames());
            }
            ev.check("Trainer.fit", "test set", test, true);
        }
        List<Var> own = model.parameters();
        Set<Var> mine = Collections.newSetFromMap(new IdentityHashMap<>());
        mine.addAll(own);
        for (Var p : optimizer.parameters()) {
            if (!mine.contains(p)) {
                List<String> names = own.stream().map(Var::name).toList();
                throw new IllegalArgumentException("Trainer.fit: the optimizer updates parameter '" + p.name()
                        + "', which is not one of the model's " + own.size() + " parameters " + names
                        + "; build the optimizer from model.parameters() or a subset of them");
            }
        }
    }

    private static String kind(Dataset d) {
        return d.isClassification() ? "classification" : "regression";
    }

}
