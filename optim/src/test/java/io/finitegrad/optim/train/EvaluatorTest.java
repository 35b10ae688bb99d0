package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.ClassVocabulary;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.data.StandardScaler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** evaluate and predict, on a Trainer after fit and on an Evaluator without training. */
class EvaluatorTest {
    private static final List<String> ABC = List.of("a", "b", "c");

    /** logits = x * 10 I: a one-hot feature row is classified as its own class, perfectly. */
    static Layer perfect() {
        Var w = Var.param("w", Tensor.of(new double[][] {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}}));
        return LinearModel.of(w);
    }

    /** Rows whose features are the one-hot of their class in a-b-c order, labelled in {@code names}' order. */
    private static Dataset rows(List<String> names, String... labels) {
        double[][] x = new double[labels.length][3];
        double[] y = new double[labels.length];
        for (int i = 0; i < labels.length; i++) {
            x[i][ABC.indexOf(labels[i])] = 1;
            y[i] = names.indexOf(labels[i]);
        }
        return new Dataset(Tensor.of(x), Tensor.column(y), List.of("is_a", "is_b", "is_c"), names);
    }

    @Test
    void aPerfectModelScoresOneHundredPercentOnATestSetWithOtherClassOrderAndAMissingClass() {
        Dataset train = rows(ABC, "a", "b", "c", "a", "c");
        Dataset test = rows(List.of("c", "a"), "c", "a", "a", "c"); // no b, classes listed c before a
        Layer model = perfect();
        Trainer trainer = Trainer.builder(model, Losses::softmaxCrossEntropy, new SGD(model.parameters(), 1e-6))
                .epochs(2).batchSize(2).quiet(true).build();
        History h = trainer.fit(train, test);
        assertEquals(1.0, h.last().testAccuracy());
        assertEquals(1.0, trainer.evaluate(test).accuracy());
        assertEquals(1.0, new Evaluator(model, Losses::softmaxCrossEntropy, ClassVocabulary.of(ABC)).evaluate(test).accuracy());
        assertEquals(List.of("c", "a", "a", "c"), trainer.predict(test).labels());
        assertArrayEquals(new int[] {2, 0, 0, 2}, trainer.predict(test).classIndices(), "indices in the training order");
    }

    @Test
    void withoutTheTrainingVocabularyATestSetWithFewerClassesIsRefusedNotMiscounted() {
        Dataset test = rows(List.of("c", "a"), "c", "a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Evaluator(perfect(), Losses::softmaxCrossEntropy).evaluate(test));
        assertEquals("Evaluator.evaluate: the dataset has 2 classes [c, a] but the model outputs 3 columns", e.getMessage());
    }

    @Test
    void aClassTheModelNeverSawIsNamed() {
        Dataset test = new Dataset(Tensor.of(new double[][] {{1, 0, 0}}), Tensor.column(0), List.of("p", "q", "r"),
                List.of("d"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Evaluator(perfect(), Losses::softmaxCrossEntropy, ClassVocabulary.of(ABC)).evaluate(test));
        assertEquals("Evaluator.evaluate: the dataset's class 'd' is not one of the model's 3 classes [a, b, c]",
                e.getMessage());
    }

    @Test
    void evaluateMatchesTheLastEpochsTestMetricsAndChangesNoParameter() {
        Dataset.Split iris = Datasets.iris().split(0.2, 4, true);
        StandardScaler scaler = new StandardScaler();
        scaler.fit(iris.train());
        Dataset train = scaler.transform(iris.train()), test = scaler.transform(iris.test());
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        Trainer trainer = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(30).batchSize(16).seed(3).quiet(true).build();
        History h = trainer.fit(train, test);
        List<Tensor> before = net.parameters().stream().map(Var::value).toList();
        Evaluation ev = trainer.evaluate(test);
        assertEquals(h.last().testLoss(), ev.loss());
        assertEquals(h.last().testAccuracy(), ev.accuracy());
        assertEquals(test.size(), ev.size());
        assertEquals(before, net.parameters().stream().map(Var::value).toList());
        assertTrue(ev.accuracy() >= 0.9, ev.toString());

        Predictions p = trainer.predict(test);
        assertTrue(p.isClassification());
        assertEquals(iris.train().classNames(), p.classNames());
        int[] truth = test.classIndices(), guess = p.classIndices();
        int hits = 0;
        for (int i = 0; i < truth.length; i++) if (truth[i] == guess[i]) hits++;
        assertEquals(ev.accuracy(), (double) hits / truth.length);
        assertEquals(test.classNames().get(guess[0]), p.labels().get(0));
        assertEquals(p.labels(), trainer.predict(test.features()).labels(), "features alone get the fit's classes");
    }

    @Test
    void aRegressorPredictsValuesAndHasNoClasses() {
        Var w = Var.param("w", Tensor.of(new double[][] {{2}, {-1}}));
        Layer linear = LinearModel.of(w);
        Evaluator ev = new Evaluator(linear, Losses::mse);
        Dataset d = Dataset.of(Tensor.of(new double[][] {{1, 1}, {3, 2}}), Tensor.column(1, 5));
        Predictions p = ev.predict(d);
        assertEquals(Tensor.column(1, 4), p.values());
        assertTrue(!p.isClassification());
        assertTrue(assertThrows(IllegalStateException.class, p::labels).getMessage().contains("regressor"));
        Evaluation e = ev.evaluate(d);
        assertEquals(0.5, e.loss(), 1e-15, "mse of errors 0 and 1");
        assertTrue(Double.isNaN(e.accuracy()));
    }
}
