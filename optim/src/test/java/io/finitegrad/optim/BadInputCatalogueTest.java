package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.data.BadCellPolicy;
import io.finitegrad.optim.data.ClassVocabulary;
import io.finitegrad.optim.data.Csv;
import io.finitegrad.optim.data.CsvFormatException;
import io.finitegrad.optim.data.CsvOptions;
import io.finitegrad.optim.data.DataReport;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.Trainer;
import java.io.StringReader;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optim module's bad-input catalogue: each line is a spec, "this input gets this exception,
 * whose message names these culprits" (the optimiser, schedule, trainer, dataset or file; the
 * parameter; the bad value; the epoch, counts and shapes).
 */
class BadInputCatalogueTest {
    /** A call that must fail. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** One spec line: the input, the exception type and the words its message must contain. */
    record Case(Class<? extends Throwable> type, Call call, String... culprits) {
    }

    private static Named<Case> spec(String line, Class<? extends Throwable> type, Call call, String... culprits) {
        return Named.of(line, new Case(type, call, culprits));
    }

    private static List<Var> params() {
        return List.of(Var.param("w", Tensor.full(2, 2, 0.5)));
    }

    static Stream<Named<Case>> optimisers() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        Var w = Var.param("w", Tensor.full(2, 2, 0.5));
        return Stream.of(
                spec("SGD with a NaN lr", iae, () -> new SGD(params(), Double.NaN), "SGD", "lr", "NaN"),
                spec("SGD with lr 0", iae, () -> new SGD(params(), 0), "SGD", "lr", "got 0.0"),
                spec("SGD with a negative lr", iae, () -> new SGD(params(), -0.1), "SGD", "lr", "-0.1"),
                spec("Adam with an infinite lr", iae, () -> new Adam(params(), Double.POSITIVE_INFINITY), "Adam", "lr", "Infinity"),
                spec("Adam with beta1 = 1", iae, () -> new Adam(params(), 0.01, 1.0, 0.999, 1e-8, 0), "Adam", "beta1", "[0, 1)", "1.0"),
                spec("Adam with a negative beta2", iae, () -> new Adam(params(), 0.01, 0.9, -0.1, 1e-8, 0), "beta2", "-0.1"),
                spec("Adam with a NaN beta1", iae, () -> new Adam(params(), 0.01, Double.NaN, 0.999, 1e-8, 0), "beta1", "NaN"),
                spec("Adam with eps 0", iae, () -> new Adam(params(), 0.01, 0.9, 0.999, 0, 0), "Adam", "eps", "0.0"),
                spec("AdamW with a negative weight decay", iae, () -> new AdamW(params(), 0.01, 0.9, 0.999, 1e-8, -0.01),
                        "AdamW", "weightDecay", "-0.01"),
                spec("SGD with a NaN momentum", iae, () -> new SGD(params(), 0.1, Double.NaN), "SGD", "momentum", "NaN"),
                spec("SGD with dampening 1.5", iae, () -> new SGD(params(), 0.1, 0.9, 1.5, 0, false), "dampening", "1.5"),
                spec("SGD with an infinite weight decay", iae, () -> new SGD(params(), 0.1, 0, 0, Double.POSITIVE_INFINITY, false),
                        "weightDecay", "Infinity"),
                spec("Nesterov without momentum", iae, () -> new SGD(params(), 0.1, 0, 0, 0, true), "nesterov", "momentum 0.0"),
                spec("setLr(NaN)", iae, () -> new Adam(params(), 0.01).setLr(Double.NaN), "Adam", "lr", "NaN"),
                spec("an empty parameter list", iae, () -> new SGD(List.of(), 0.1), "SGD", "params", "non-empty"),
                spec("a null parameter", iae, () -> new SGD(java.util.Arrays.asList(w, null), 0.1), "params[1]", "null"),
                spec("a parameter listed twice", iae, () -> new SGD(List.of(w, w), 0.1), "'w'", "twice"),
                spec("onNonFinite(null)", iae, () -> new SGD(params(), 0.1).onNonFinite(null), "SGD", "policy", "null"),
                spec("clipping to a NaN norm", iae, () -> GradClip.byGlobalNorm(params(), Double.NaN), "GradClip.byGlobalNorm",
                        "maxNorm", "NaN"),
                spec("clipping values to a negative limit", iae, () -> GradClip.byValue(params(), -1), "GradClip.byValue",
                        "limit", "-1.0"),
                spec("the norm of no parameters", iae, () -> GradClip.globalNorm(List.of()), "GradClip.globalNorm", "params"));
    }

    static Stream<Named<Case>> schedules() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        return Stream.of(
                spec("a constant NaN rate", iae, () -> LrSchedule.constant(Double.NaN), "LrSchedule.constant", "lr", "NaN"),
                spec("step decay by 0", iae, () -> LrSchedule.stepDecay(0.1, 10, 0), "LrSchedule.stepDecay", "gamma", "0.0"),
                spec("step decay every 0 steps", iae, () -> LrSchedule.stepDecay(0.1, 0, 0.5), "stepSize", "0"),
                spec("cosine to a minimum above the start", iae, () -> LrSchedule.cosine(0.01, 10, 0.1), "LrSchedule.cosine",
                        "minLr", "0.1"),
                spec("a warm-up of 0 steps", iae, () -> LrSchedule.constant(0.1).withWarmup(0), "LrSchedule.withWarmup",
                        "steps", "0"),
                spec("a schedule asked for step -1", iae, () -> LrSchedule.constant(0.1).lr(-1), "LrSchedule.lr", "step", "-1"));
    }

    /** Iris-like: 6 rows of 2 features, 2 classes. */
    private static Dataset tiny() {
        Tensor x = Tensor.of(6, 2, 0.1, 0.2, 0.3, 0.1, 0.5, 0.4, 0.9, 0.8, 0.7, 0.9, 0.8, 0.6);
        return new Dataset(x, Tensor.column(0, 0, 0, 1, 1, 1), List.of("a", "b"), List.of("no", "yes"));
    }

    private static Trainer.Builder trainer(Dense model) {
        return Trainer.builder(model, Losses::softmaxCrossEntropy, new SGD(model.parameters(), 0.1)).quiet(true).epochs(4).batchSize(3);
    }

    private static Dense dense(int in) {
        return new Dense("head", in, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(1));
    }

    static Stream<Named<Case>> training() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        Dense m = dense(2);
        return Stream.of(
                spec("epochs(0)", iae, () -> trainer(m).epochs(0), "Trainer", "epochs", "0"),
                spec("a negative batch size", iae, () -> trainer(m).batchSize(-3), "Trainer", "batchSize", "-3"),
                spec("batch size 0", iae, () -> trainer(m).batchSize(0), "batchSize", "got 0"),
                spec("clipping to an infinite norm", iae, () -> trainer(m).clipNorm(Double.POSITIVE_INFINITY), "clipNorm", "Infinity"),
                spec("a trainer without a model", iae, () -> Trainer.builder(null, Losses::mse, new SGD(params(), 0.1)),
                        "Trainer.builder", "model"),
                spec("a null schedule", iae, () -> trainer(m).schedule(null), "Trainer", "schedule", "null"),
                spec("a null listener", iae, () -> trainer(m).listener(null), "Trainer", "listener", "null"),
                spec("a schedule whose rate turns NaN at epoch 3", iae,
                        () -> trainer(dense(2)).schedule(t -> t < 2 ? 0.1 : Double.NaN).build().fit(tiny()),
                        "Trainer.fit", "schedule", "a lambda in " + BadInputCatalogueTest.class.getName(), "lr(2) = NaN", "epoch 3"),
                spec("a step decay that underflows to 0 at epoch 3", iae,
                        () -> trainer(dense(2)).schedule(LrSchedule.stepDecay(0.1, 1, 1e-200)).build().fit(tiny()),
                        "LrSchedule.stepDecay(lr = 0.1, stepSize = 1, gamma = 1.0E-200)", "lr(2) = 0.0", "epoch 3 of 4"),
                spec("a schedule giving a negative rate at epoch 2", iae,
                        () -> trainer(dense(2)).schedule(t -> 0.1 - 0.6 * t).build().fit(tiny()), "schedule", "-0.5", "epoch 2"),
                spec("a warm-up over a schedule that overflows", iae,
                        () -> trainer(dense(2)).schedule(LrSchedule.stepDecay(1e300, 1, 1e10).withWarmup(1)).build().fit(tiny()),
                        "LrSchedule.stepDecay(lr = 1.0E300", ".withWarmup(1)", "Infinity", "epoch 3"),
                spec("fit(null)", iae, () -> trainer(m).build().fit(null), "Trainer.fit", "training set", "null"),
                spec("a 2-feature dataset for a model of 3 inputs", iae, () -> trainer(dense(3)).build().fit(tiny()),
                        "Trainer.fit", "training set", "2 feature columns [a, b]", "expects input batch x 3"),
                spec("a test set with other features", iae,
                        () -> trainer(dense(2)).build().fit(tiny(), Dataset.of(Tensor.full(2, 3, 0.1), Tensor.full(2, 1, 0))),
                        "Trainer.fit", "test set"),
                spec("a regression test set for a classifier", iae,
                        () -> trainer(dense(2)).build().fit(tiny(), Dataset.of(Tensor.full(2, 2, 0.1), Tensor.full(2, 1, 0))),
                        "classification", "regression"));
    }

    static Stream<Named<Case>> datasets() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        Tensor x = Tensor.full(3, 2, 0.5);
        return Stream.of(
                spec("features and targets of different lengths", iae, () -> Dataset.of(x, Tensor.full(2, 1, 0)),
                        "Dataset", "3 rows", "targets have 2"),
                spec("too few feature names", iae, () -> new Dataset(x, Tensor.full(3, 1, 0), List.of("a"), List.of()),
                        "Dataset", "1 feature names for 2 columns"),
                spec("null feature names", iae, () -> new Dataset(x, Tensor.full(3, 1, 0), null, List.of()), "Dataset", "featureNames", "null"),
                spec("null class names", iae, () -> new Dataset(x, Tensor.full(3, 1, 0), List.of("a", "b"), (List<String>) null),
                        "Dataset", "classNames", "null"),
                spec("null features", iae, () -> Dataset.of(null, Tensor.full(3, 1, 0)), "Dataset.of", "features"),
                spec("a class index out of range", iae, () -> new Dataset(x, Tensor.column(0, 1, 2), List.of("a", "b"), List.of("p", "q")),
                        "Dataset", "row 2", "2.0", "[0, 2)"),
                spec("a class index that is not an integer", iae,
                        () -> new Dataset(x, Tensor.column(0, 0.5, 1), List.of("a", "b"), List.of("p", "q")), "row 1", "0.5"),
                spec("a subset of no rows", iae, () -> tiny().subset(new int[0]), "Dataset.subset", "no rows"),
                spec("a subset of null rows", iae, () -> tiny().subset(null), "Dataset.subset", "rows", "null"),
                spec("batches from a null rng", iae, () -> tiny().batches(2, null), "Dataset.batches", "rng", "null"),
                spec("a subset past the end", IndexOutOfBoundsException.class, () -> tiny().subset(new int[] {7}), "row 7", "[0, 6)"),
                spec("a split with testFraction 1.5", iae, () -> tiny().split(1.5, 0, false), "Dataset.split", "testFraction", "1.5"),
                spec("batches of 0 rows", iae, () -> tiny().batches(0, new Random(0)), "Dataset.batches", "batchSize", "0"),
                spec("features of another shape", iae, () -> tiny().withFeatures(Tensor.full(6, 3, 0)), "Dataset.withFeatures",
                        "6x2", "6x3"),
                spec("the classes of a regression set", IllegalStateException.class, () -> Dataset.of(x, Tensor.full(3, 1, 0)).classes(),
                        "Dataset.classes", "not a classification set"),
                spec("a blank label column name", iae, () -> tiny().withLabelColumn(" "), "Dataset.withLabelColumn", "blank"),
                spec("a class vocabulary with a repeated name", iae, () -> ClassVocabulary.of(List.of("a", "b", "a")),
                        "ClassVocabulary", "'a'", "twice", "0 and 2"),
                spec("a data check of no dataset", iae, () -> DataReport.of((Dataset) null), "DataReport.of", "null"));
    }

    private static Dataset csv(String text, CsvOptions o) throws Exception {
        return Csv.read(new StringReader(text), "t.csv", o);
    }

    static Stream<Named<Case>> csvFiles() {
        Class<CsvFormatException> bad = CsvFormatException.class;
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        CsvOptions y = CsvOptions.targets("y");
        return Stream.of(
                spec("a ragged row, one field short", bad, () -> csv("a,b,y\n1,2,3\n4,5\n", y), "t.csv:3:0", "expected 3 fields", "found 2"),
                spec("a ragged row, one field long", bad, () -> csv("a,b,y\n1,2,3,4\n", y), "t.csv:2:0", "found 4"),
                spec("an empty file", bad, () -> csv("", y), "t.csv:1:0", "empty", "header"),
                spec("a header and no rows", bad, () -> csv("a,b,y\n", y), "t.csv:1:0", "no data rows"),
                spec("only rows that are dropped", bad, () -> csv("a,y\nNA,1\n", y.badCells(BadCellPolicy.DROP_ROW)),
                        "no data rows", "after dropping"),
                spec("a label column that is not in the header", bad, () -> csv("a,b\n1,2\n", CsvOptions.label("kind")),
                        "no label column 'kind'", "[a, b]"),
                spec("an ignored column that is not in the header", bad, () -> csv("a,y\n1,2\n", y.ignore("id")), "no ignored column 'id'"),
                spec("no column left for features", bad, () -> csv("id,y\n1,2\n", y.ignore("id")), "no feature columns"),
                spec("a repeated header name", bad, () -> csv("a,a,y\n1,2,3\n", y), "t.csv:1:2", "duplicate column name 'a'"),
                spec("a class not in the given vocabulary", bad,
                        () -> csv("a,k\n1,x\n2,z\n", CsvOptions.label("k").classes(ClassVocabulary.of(List.of("x", "y")))),
                        "t.csv:3:2", "unknown class 'z'", "[x, y]"),
                spec("a column without one number to impute from", bad, () -> csv("a,y\nNA,1\n?,2\n", y.badCells(BadCellPolicy.IMPUTE_MEAN)),
                        "column 'a'", "no numeric cell"),
                spec("a label column of one class", bad, () -> csv("a,k\n1,x\n2,x\n", CsvOptions.label("k")),
                        "column 'k'", "single class 'x'", "at least two classes"),
                spec("options that are null", iae, () -> csv("a,y\n1,2\n", null), "Csv.read", "options"),
                spec("a blank label column option", iae, () -> CsvOptions.label(" "), "CsvOptions.label", "empty"),
                spec("no target columns", iae, () -> CsvOptions.targets(), "CsvOptions.targets", "at least one"),
                spec("a null target column", iae, () -> CsvOptions.targets("y", null), "CsvOptions.targets", "column 1", "null"),
                spec("null columns to ignore", iae, () -> y.ignore((String[]) null), "CsvOptions.ignore", "null"),
                spec("a blank column to ignore", iae, () -> y.ignore("id", " "), "CsvOptions.ignore", "column 1", "blank"),
                spec("a quote as the delimiter", iae, () -> y.delimiter('"'), "CsvOptions.delimiter", "'\"'"),
                spec("a vocabulary for numeric targets", IllegalStateException.class,
                        () -> y.classes(ClassVocabulary.of(List.of("a", "b"))), "CsvOptions.classes", "[y]", "label column"),
                spec("features to predict with no names", iae, () -> Csv.readFeatures(new StringReader("a\n1\n"), "n.csv", List.of()),
                        "Csv.readFeatures", "no feature names"),
                spec("features to predict named twice", iae,
                        () -> Csv.readFeatures(new StringReader("a\n1\n"), "n.csv", List.of("a", "a")), "repeat", "[a, a]"));
    }

    /** A schedule's rates are checked before the first step, so a bad one late in training costs no training and no weight. */
    @org.junit.jupiter.api.Test
    void aScheduleThatTurnsBadLaterIsRefusedBeforeAnyWeightChanges() {
        Dense model = dense(2);
        Tensor before = model.weight().value();
        int[] epochsSeen = {0};
        Trainer t = trainer(model).epochs(50).schedule(LrSchedule.stepDecay(0.1, 1, 1e-100))
                .listener(new io.finitegrad.optim.train.TrainingListener() {
                    @Override
                    public io.finitegrad.optim.train.Decision afterEpoch(io.finitegrad.optim.train.History.Epoch r) {
                        epochsSeen[0]++;
                        return io.finitegrad.optim.train.Decision.CONTINUE;
                    }
                }).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(tiny()));
        assertTrue(e.getMessage().contains("lr(4) = 0.0") && e.getMessage().contains("epoch 5 of 50"), e.getMessage());
        assertTrue(epochsSeen[0] == 0, "refused before training, not after " + epochsSeen[0] + " epochs");
        org.junit.jupiter.api.Assertions.assertEquals(before, model.weight().value());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"optimisers", "schedules", "training", "datasets", "csvFiles"})
    void badInputIsRefusedNamingTheCulprit(Case c) {
        Throwable e = assertThrows(c.type(), c.call()::run);
        String message = String.valueOf(e.getMessage());
        for (String culprit : c.culprits()) {
            assertTrue(message.contains(culprit), () -> "message does not name '" + culprit + "': " + message);
        }
    }
}
