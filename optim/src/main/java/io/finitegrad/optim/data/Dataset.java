package io.finitegrad.optim.data;

import io.finitegrad.autodiff.Provenance;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Rows of features (n x d) with their targets (n x k), plus the feature names and, for
 * classification, the {@link ClassVocabulary} that numbers the classes. Targets of a classification
 * set are either class indices (n x 1, as {@link Csv} loads them) or one-hot rows (n x classes, see
 * {@link #oneHot()}). Splits, subsets and batches keep the vocabulary, so a model trained on one
 * part is judged on another with the same numbers; read test and new files with
 * {@code CsvOptions.label(..).classes(train.classes())}. Immutable; every operation returns a new
 * dataset.
 *
 * <p>Each row knows where it came from, its {@link Provenance}: a row and line of the file
 * {@link Csv} read, or a row of the arrays the set was built from ("row 4 of the dataset", or of
 * the name given by {@link #named}). Splits, subsets, scaling, one-hot encoding and batches keep it,
 * and the Trainer hands a batch's provenance to its input node, so a NaN in the data is reported as
 * "row 57 of iris.csv (line 58), feature 'petal_width'" instead of a place in a shuffled batch.
 *
 * @throws IllegalArgumentException for null arguments, mismatched row counts, names, fractions, batch sizes or
 *     provenance, and class indices that are not integers in [0, classes)
 */
public final class Dataset {
    private final Tensor features;
    private final Tensor targets;
    private final List<String> featureNames;
    /** The class numbering, null for regression. */
    private final ClassVocabulary classes;
    /** Where each row came from; its column names are {@link #featureNames}. */
    private final Provenance provenance;
    /** The name of the column the class labels came from, null for regression. */
    private final String labelColumn;
    /** The label column's name when nobody gave one (a set built from arrays). */
    private static final String DEFAULT_LABEL = "label";
    /** The source of a dataset built from arrays and not {@link #named}. */
    private static final String UNNAMED = "the dataset";

    /** A dataset; {@code classNames} (in index order) is empty for regression. */
    public Dataset(Tensor features, Tensor targets, List<String> featureNames, List<String> classNames) {
        this(features, targets, featureNames, vocabularyOf(classNames), null, DEFAULT_LABEL, true);
    }

    /** A classification dataset whose targets are numbered by {@code classes}. */
    public Dataset(Tensor features, Tensor targets, List<String> featureNames, ClassVocabulary classes) {
        this(features, targets, featureNames, requireClasses(classes), null, DEFAULT_LABEL, true);
    }

    private static ClassVocabulary vocabularyOf(List<String> classNames) {
        if (classNames == null) throw new IllegalArgumentException("Dataset: classNames is null (for regression pass List.of())");
        return classNames.isEmpty() ? null : ClassVocabulary.of(classNames);
    }

    private static ClassVocabulary requireClasses(ClassVocabulary classes) {
        if (classes == null) {
            throw new IllegalArgumentException("Dataset: the class vocabulary is null (for regression pass List.of() class names)");
        }
        return classes;
    }

    /**
     * The general constructor; a null {@code provenance} means rows 0..n-1 of {@link #UNNAMED}, and
     * {@code labelColumn} is dropped for regression.
     */
    private Dataset(Tensor features, Tensor targets, List<String> featureNames, ClassVocabulary classes,
                    Provenance provenance, String labelColumn, boolean validate) {
        if (features == null || targets == null) throw new IllegalArgumentException("Dataset: features and targets are required");
        if (featureNames == null) throw new IllegalArgumentException("Dataset: featureNames is null");
        if (features.rows() != targets.rows()) {
            throw new IllegalArgumentException("Dataset: features have " + features.rows() + " rows but targets have " + targets.rows());
        }
        if (featureNames.size() != features.cols()) {
            throw new IllegalArgumentException("Dataset: " + featureNames.size() + " feature names for " + features.cols() + " columns");
        }
        this.features = features;
        this.targets = targets;
        this.featureNames = List.copyOf(featureNames);
        this.classes = classes;
        this.labelColumn = classes == null ? null : labelColumn;
        if (provenance == null) {
            this.provenance = Provenance.of(UNNAMED, features.rows(), this.featureNames);
        } else {
            if (provenance.size() != features.rows()) {
                throw new IllegalArgumentException("Dataset: the provenance describes " + provenance.size() + " rows but the features have "
                        + features.rows() + " rows");
            }
            this.provenance = provenance.columns().equals(this.featureNames) ? provenance : provenance.withColumns(this.featureNames);
        }
        if (classes != null && validate) classIndices();
    }

    /** A regression dataset with features named x0, x1, ... */
    public static Dataset of(Tensor features, Tensor targets) {
        if (features == null || targets == null) throw new IllegalArgumentException("Dataset.of: features and targets are required");
        List<String> names = new ArrayList<>();
        for (int j = 0; j < features.cols(); j++) names.add("x" + j);
        return new Dataset(features, targets, names, List.of());
    }

    public Tensor features() { return features; }

    /**
     * Where each row came from: {@code provenance().describe(i, j)} is row {@code i}, feature
     * {@code j} in words, e.g. {@code row 57 of iris.csv (line 58), feature 'petal_width'}.
     */
    public Provenance provenance() { return provenance; }

    /**
     * This set as a source of its own: row {@code i} is "row i of {@code name}" from now on (for
     * data built from arrays; a file's rows already name the file and its lines).
     *
     * @throws IllegalArgumentException for a blank name
     */
    public Dataset named(String name) {
        return withProvenance(Provenance.of(name, size(), featureNames));
    }

    /**
     * The same rows with another provenance (data assembled elsewhere); its column names become
     * this set's feature names.
     *
     * @throws IllegalArgumentException if it describes another number of rows
     */
    public Dataset withProvenance(Provenance p) {
        if (p == null) throw new IllegalArgumentException("Dataset.withProvenance: provenance is null");
        return new Dataset(features, targets, featureNames, classes, p, labelColumn, false);
    }

    public Tensor targets() { return targets; }
    public List<String> featureNames() { return featureNames; }
    /** Class names (index order), empty for regression; the same as {@code classes().names()}. */
    public List<String> classNames() { return classes == null ? List.of() : classes.names(); }
    public boolean isClassification() { return classes != null; }

    /**
     * The name of the column the class labels came from, as data checks and training output name
     * it ({@code classes of 'species'}): the header name when {@link Csv} read a labelled file,
     * {@code "label"} for a classification set built from arrays (see {@link #withLabelColumn});
     * null for regression.
     */
    public String labelColumn() { return labelColumn; }

    /**
     * The same set, its labels said to come from column {@code name}.
     *
     * @throws IllegalArgumentException for a null or blank name
     * @throws IllegalStateException for a regression set, which has no label column
     */
    public Dataset withLabelColumn(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("Dataset.withLabelColumn: name is blank: '" + name + "'");
        if (classes == null) throw new IllegalStateException("Dataset.withLabelColumn: this is not a classification set");
        return new Dataset(features, targets, featureNames, classes, provenance, name, false);
    }

    /**
     * The class vocabulary: {@code classes().name(i)} is the class a model's output {@code i} stands
     * for. Pass it on to read test or new data with the same numbering
     * ({@code CsvOptions.label(..).classes(train.classes())}).
     *
     * @throws IllegalStateException for a regression set
     */
    public ClassVocabulary classes() {
        if (classes == null) throw new IllegalStateException("Dataset.classes: this is not a classification set (it has no class vocabulary)");
        return classes;
    }
    public int size() { return features.rows(); }

    /** The class of each row: the index for n x 1 targets, the argmax for one-hot targets. */
    public int[] classIndices() {
        if (classes == null) throw new IllegalStateException("Dataset.classIndices: this is not a classification set");
        int n = size(), k = classes.size();
        int[] out = new int[n];
        if (targets.cols() == 1) {
            for (int i = 0; i < n; i++) {
                double v = targets.get(i, 0);
                if (v != Math.rint(v) || v < 0 || v >= k) {
                    throw new IllegalArgumentException("Dataset: target of row " + i + " is " + v + ", not a class index in [0, " + k + ")");
                }
                out[i] = (int) v;
            }
        } else if (targets.cols() == k) {
            for (int i = 0; i < n; i++) out[i] = argmax(targets, i);
        } else {
            throw new IllegalArgumentException("Dataset: targets are " + targets.shape() + " but there are " + k + " classes");
        }
        return out;
    }

    /** This set with one-hot targets (n x classes); itself if they are one-hot already. */
    public Dataset oneHot() {
        if (classes == null) throw new IllegalStateException("Dataset.oneHot: this is not a classification set");
        if (targets.cols() == classes.size() && targets.cols() > 1) return this;
        return new Dataset(features, oneHot(classIndices(), classes.size()), featureNames, classes, provenance, labelColumn, false);
    }

    /** One-hot rows for class indices: n x numClasses, 1 at each row's class. */
    public static Tensor oneHot(int[] classes, int numClasses) {
        if (numClasses <= 0) throw new IllegalArgumentException("oneHot: numClasses must be > 0, got " + numClasses);
        double[] d = new double[classes.length * numClasses];
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0 || classes[i] >= numClasses) {
                throw new IllegalArgumentException("oneHot: class " + classes[i] + " at " + i + " is outside [0, " + numClasses + ")");
            }
            d[i * numClasses + classes[i]] = 1;
        }
        return Tensor.of(classes.length, numClasses, d);
    }

    /** The rows at {@code rows}, in that order. */
    public Dataset subset(int[] rows) {
        if (rows == null) throw new IllegalArgumentException("Dataset.subset: rows is null");
        if (rows.length == 0) throw new IllegalArgumentException("Dataset.subset: no rows");
        Tensor x = pick(features, rows);
        return new Dataset(x, pick(targets, rows), featureNames, classes, provenance.select(rows), labelColumn, false);
    }

    /** Same targets and names, new features (e.g. scaled); the shape must match. */
    public Dataset withFeatures(Tensor x) {
        if (x.rows() != features.rows() || x.cols() != features.cols()) {
            throw new IllegalArgumentException("Dataset.withFeatures: expected " + features.shape() + ", got " + x.shape());
        }
        return new Dataset(x, targets, featureNames, classes, provenance, labelColumn, false);
    }

    /** A train/test pair. */
    public record Split(Dataset train, Dataset test) {
    }

    /**
     * A seeded random split with {@code round(testFraction * n)} test rows (at least 1 each side);
     * with {@code stratify} each class is split in the same proportion (scikit-learn's
     * {@code train_test_split(stratify=y)}), so a rare class is not lost from either side.
     */
    public Split split(double testFraction, long seed, boolean stratify) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("Dataset.split: testFraction must be in (0, 1), got " + testFraction);
        }
        if (size() < 2) throw new IllegalArgumentException("Dataset.split: needs at least 2 rows, has " + size());
        Random rng = new Random(seed);
        List<Integer> train = new ArrayList<>(), test = new ArrayList<>();
        if (stratify) {
            if (!isClassification()) throw new IllegalStateException("Dataset.split: stratify needs a classification set");
            int[] cls = classIndices();
            for (int k = 0; k < classes.size(); k++) {
                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < cls.length; i++) if (cls[i] == k) members.add(i);
                Collections.shuffle(members, rng);
                int nt = (int) Math.round(testFraction * members.size());
                test.addAll(members.subList(0, nt));
                train.addAll(members.subList(nt, members.size()));
            }
            Collections.shuffle(train, rng);
            Collections.shuffle(test, rng);
        } else {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < size(); i++) all.add(i);
            Collections.shuffle(all, rng);
            int nt = (int) Math.round(testFraction * size());
            test.addAll(all.subList(0, nt));
            train.addAll(all.subList(nt, all.size()));
        }
        if (test.isEmpty() || train.isEmpty()) {
            throw new IllegalArgumentException("Dataset.split: testFraction " + testFraction + " of " + size()
                    + " rows leaves one side empty");
        }
        return new Split(subset(toArray(train)), subset(toArray(test)));
    }

    /**
     * One mini-batch: rows of features and targets, its index within the epoch, and where its rows
     * came from (pass it to {@code Var.input(name, features, provenance)}).
     */
    public record Batch(int index, Tensor features, Tensor targets, Provenance provenance) {
    }

    /** The rows shuffled by {@code rng} and cut into batches of {@code batchSize} (the last may be smaller). */
    public List<Batch> batches(int batchSize, Random rng) {
        if (batchSize <= 0) throw new IllegalArgumentException("Dataset.batches: batchSize must be > 0, got " + batchSize);
        if (rng == null) throw new IllegalArgumentException("Dataset.batches: rng is null (pass a seeded Random)");
        int n = size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        List<Batch> out = new ArrayList<>();
        for (int from = 0, b = 0; from < n; from += batchSize, b++) {
            int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + batchSize));
            out.add(new Batch(b, pick(features, rows), pick(targets, rows), provenance.select(rows)));
        }
        return out;
    }

    private static int argmax(Tensor t, int row) {
        int best = 0;
        for (int j = 1; j < t.cols(); j++) if (t.get(row, j) > t.get(row, best)) best = j;
        return best;
    }

    /** The rows at {@code rows} of {@code t}, naming the dataset in the error for a row outside it. */
    private static Tensor pick(Tensor t, int[] rows) {
        try {
            return t.selectRows(rows);
        } catch (IndexOutOfBoundsException e) {
            throw new IndexOutOfBoundsException("Dataset: " + e.getMessage().substring("Tensor.selectRows: ".length()));
        }
    }

    private static int[] toArray(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String toString() {
        return "Dataset " + size() + " rows, features " + featureNames + ", targets " + targets.shape()
                + (classes == null ? "" : ", classes " + classes.names());
    }
}
