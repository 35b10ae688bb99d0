package io.finitegrad.optim.train;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.data.ClassVocabulary;
import io.finitegrad.optim.data.Dataset;
import java.util.List;

/**
 * Evaluation and prediction without training, as Keras's {@code model.evaluate} and
 * {@code model.predict}: the model runs in eval mode ({@link Layer#eval()}, and is left there)
 * and no parameter changes.
 *
 * <p>The class vocabulary says which class each output column stands for. Given one (the training
 * set's {@link Dataset#classes()}, as {@link Trainer} does), a dataset whose own class list is in
 * another order or lacks classes is matched to it by name, so a test file that lists its classes
 * differently still gets the right accuracy. Without one, each dataset's own class list is used.
 *
 * @throws IllegalArgumentException from every method when the dataset does not fit the model
 *     (feature count, class count or target width vs the model's output width, classes the model
 *     does not know), naming the dataset and the expected and actual counts
 */
public final class Evaluator {
    private final Layer model;
    private final Loss loss;
    /** The model's classes (output column k is class k), or null: each dataset's own, or a regressor. */
    private final ClassVocabulary classes;
    private final List<String> classNames;

    /** An evaluator that reads each dataset's own class list (or a regressor's targets). */
    public Evaluator(Layer model, Loss loss) {
        this(model, loss, null);
    }

    /**
     * An evaluator for a classifier whose output column k stands for {@code classes.name(k)};
     * null reads each dataset's own classes.
     */
    public Evaluator(Layer model, Loss loss, ClassVocabulary classes) {
        if (model == null || loss == null) {
            throw new IllegalArgumentException("Evaluator: model and loss are required, got " + model + ", " + loss);
        }
        this.model = model;
        this.loss = loss;
        this.classes = classes;
        this.classNames = classes == null ? List.of() : classes.names();
    }

    /** The class names given at construction, in output-column order; empty if each dataset's own are used. */
    public List<String> classNames() {
        return classNames;
    }

    /** Loss and accuracy over every row of {@code data}, in eval mode, without changing any parameter. */
    public Evaluation evaluate(Dataset data) {
        check("Evaluator.evaluate", "dataset", data, true);
        Tensor y = targets(data);
        Var[] out = forwardLoss(data, y);
        return evaluation(out, y);
    }

    /** The model's predictions for the rows of {@code data}; a classifier's are named by the vocabulary. */
    public Predictions predict(Dataset data) {
        check("Evaluator.predict", "dataset", data, false);
        model.eval();
        return new Predictions(model.forward(Var.input("x", data.features(), data.provenance())).value(), vocabulary(data));
    }

    /** The model's predictions for the rows of {@code features}; classes only if a vocabulary was given. */
    public Predictions predict(Tensor features) {
        if (features == null) throw new IllegalArgumentException("Evaluator.predict: features is null");
        model.eval();
        Tensor out = model.forward(Var.input("x", features)).value();
        if (!classNames.isEmpty() && out.cols() != classNames.size()) {
            throw new IllegalArgumentException("Evaluator.predict: the model outputs " + out.cols() + " columns but "
                    + classNames.size() + " classes " + classNames + " were given");
        }
        return new Predictions(out, classNames);
    }

    /**
     * Checks that {@code data} fits the model with a dry-run forward of its first row in eval mode
     * (guard off: only shapes are in question here): the features go through, and the output width
     * is the number of classes (classification) or, with {@code withTargets}, the target width.
     */
    @SuppressWarnings("try") // the guard scope is opened only for its effect
    void check(String who, String which, Dataset data, boolean withTargets) {
        if (data == null) throw new IllegalArgumentException(who + ": the " + which + " is null");
        if (data.size() == 0) throw new IllegalArgumentException(who + ": the " + which + " has no rows");
        List<String> vocabulary = vocabulary(data);
        if (withTargets && !classNames.isEmpty()) {
            if (!data.isClassification()) {
                throw new IllegalArgumentException(who + ": the " + which + " has regression targets "
                        + data.targets().shape() + " but the model was trained on classes " + classNames);
            }
            classMap(who, which, data);
        }
        Tensor out;
        model.eval();
        try (FiniteGuard.Scope off = FiniteGuard.mode(FiniteGuard.Mode.OFF)) {
            out = model.forward(Var.input("x", data.subset(new int[] {0}).features())).value();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(who + ": the " + which + " does not fit the model: its rows have "
                    + data.features().cols() + " feature columns " + data.featureNames() + "; " + e.getMessage(), e);
        }
        if (!vocabulary.isEmpty()) {
            if (out.cols() != vocabulary.size()) {
                throw new IllegalArgumentException(who + ": the " + which + " has " + vocabulary.size() + " classes "
                        + vocabulary + " but the model outputs " + out.cols() + " columns");
            }
        } else if (withTargets && out.cols() != data.targets().cols()) {
            throw new IllegalArgumentException(who + ": the " + which + " has targets " + data.targets().cols()
                    + " wide but the model outputs " + out.cols() + " columns");
        }
    }

    /** The targets as the loss sees them: one-hot in vocabulary order for classes, as they are otherwise. */
    Tensor targets(Dataset data) {
        if (!data.isClassification()) return data.targets();
        if (classNames.isEmpty() || classNames.equals(data.classNames())) return data.oneHot().targets();
        int[] map = classMap("Evaluator", "dataset", data);
        int[] cls = data.classIndices();
        for (int i = 0; i < cls.length; i++) cls[i] = map[cls[i]];
        return Dataset.oneHot(cls, classNames.size());
    }

    /** Prediction and loss nodes for {@code data}'s features (with their provenance) against {@code y}, in eval mode. */
    Var[] forwardLoss(Dataset data, Tensor y) {
        model.eval();
        Var pred = model.forward(Var.input("x", data.features(), data.provenance()));
        return new Var[] {pred, loss.apply(pred, Var.input("y", y))};
    }

    /** The evaluation of {@link #forwardLoss}'s result against targets {@code y}. */
    static Evaluation evaluation(Var[] predAndLoss, Tensor y) {
        double acc = y.cols() > 1 ? (double) Metrics.correct(predAndLoss[0], y) / y.rows() : Double.NaN;
        return new Evaluation(predAndLoss[1].item(), acc, y.rows());
    }

    private List<String> vocabulary(Dataset data) {
        return classNames.isEmpty() ? data.classNames() : classNames;
    }

    /** Index in the vocabulary of each of the dataset's classes, by name. */
    private int[] classMap(String who, String which, Dataset data) {
        List<String> own = data.classNames();
        int[] map = new int[own.size()];
        for (int k = 0; k < map.length; k++) {
            if (!classes.contains(own.get(k))) {
                throw new IllegalArgumentException(who + ": the " + which + "'s class '" + own.get(k)
                        + "' is not one of the model's " + classNames.size() + " classes " + classNames);
            }
            map[k] = classes.indexOf(own.get(k));
        }
        return map;
    }
}
