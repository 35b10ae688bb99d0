package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** fit checks the datasets and the optimiser against the model before the first step. */
class TrainerFitCheckTest {
    private static final Dataset.Split IRIS = Datasets.iris().split(0.2, 42, true);

    private static List<Tensor> values(Layer m) {
        return m.parameters().stream().map(Var::value).toList();
    }

    /** Fits and expects an IllegalArgumentException before any step: no listener call, no weight change. */
    private static String refused(Layer net, Supplier<History> fit, List<String> calls) {
        List<Tensor> before = values(net);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, fit::get);
        assertEquals(before, values(net), "no weight changed");
        assertEquals(List.of(), calls, "no listener was called");
        return e.getMessage();
    }

    private static Trainer trainer(Layer net, List<String> calls) {
        return Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(3).quiet(true).listener(new TrainingListener() {
                    @Override
                    public void onTrainBegin(Layer model, Dataset train, Dataset test, int epochs) {
                        calls.add("begin");
                    }
                }).build();
    }

    @Test
    void aTestSetWithTheWrongFeatureCountFailsBeforeTheFirstStep() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        List<String> calls = new ArrayList<>();
        Dataset test = IRIS.test();
        Dataset wide = new Dataset(Tensor.zeros(test.size(), 5), test.targets(), List.of("a", "b", "c", "d", "e"),
                test.classNames());
        String msg = refused(net, () -> trainer(net, calls).fit(IRIS.train(), wide), calls);
        assertTrue(msg.startsWith("Trainer.fit: the test set has 5 feature columns [a, b, c, d, e] but the training "
                + "set has 4 [sepal_length"), msg);
    }

    @Test
    void aTrainingSetTheModelCannotReadNamesTheModelsComplaint() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        List<String> calls = new ArrayList<>();
        Dataset train = IRIS.train();
        Dataset narrow = new Dataset(Tensor.zeros(train.size(), 3), train.targets(), List.of("a", "b", "c"),
                train.classNames());
        String msg = refused(net, () -> trainer(net, calls).fit(narrow), calls);
        assertTrue(msg.startsWith("Trainer.fit: the training set does not fit the model: its rows have 3 feature "
                + "columns [a, b, c]; "), msg);
        assertTrue(msg.contains("1x3"), "the layer's shape error follows: " + msg);
    }

    @Test
    void classCountMustMatchTheOutputWidth() {
        Random rng = new Random(1);
        Layer fourWay = new Sequential(new Dense(4, 4, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        List<String> calls = new ArrayList<>();
        String msg = refused(fourWay, () -> trainer(fourWay, calls).fit(IRIS.train()), calls);
        assertEquals("Trainer.fit: the training set has 3 classes " + IRIS.train().classNames()
                + " but the model outputs 4 columns", msg);
    }

    @Test
    void regressionTargetWidthMustMatchTheOutputWidth() {
        Random rng = new Random(1);
        Layer net = new Sequential(new Dense(2, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        Dataset d = Dataset.of(Tensor.zeros(4, 2), Tensor.zeros(4, 2));
        List<String> calls = new ArrayList<>();
        String msg = refused(net, () -> Trainer.builder(net, Losses::mse, new SGD(net.parameters(), 0.1)).quiet(true)
                .build().fit(d), calls);
        assertEquals("Trainer.fit: the training set has targets 2 wide but the model outputs 1 columns", msg);
    }

    @Test
    void aTestSetWithAClassTheTrainingSetLacksFailsFirst() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        List<String> calls = new ArrayList<>();
        Dataset test = IRIS.test();
        List<String> renamed = new ArrayList<>(test.classNames());
        renamed.set(1, "Iris-unknown");
        Dataset odd = new Dataset(test.features(), test.targets(), test.featureNames(), renamed);
        String msg = refused(net, () -> trainer(net, calls).fit(IRIS.train(), odd), calls);
        assertEquals("Trainer.fit: the test set's class 'Iris-unknown' is not one of the model's 3 classes "
                + IRIS.train().classNames(), msg);
    }

    @Test
    void theOptimizerMayOnlyUpdateTheModelsParameters() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        Var stranger = Var.param("stranger", Tensor.row(1.0));
        List<Var> params = new ArrayList<>(net.parameters());
        params.add(stranger);
        List<String> calls = new ArrayList<>();
        String msg = refused(net, () -> Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(params, 0.01))
                .quiet(true).build().fit(IRIS.train()), calls);
        assertTrue(msg.startsWith("Trainer.fit: the optimizer updates parameter 'stranger', which is not one of the "
                + "model's 4 parameters ["), msg);
    }

    @Test
    void anOptimizerOverASubsetTrainsOnlyThoseLayersAndLeavesTheFrozenOnesAlone() {
        Random rng = new Random(2);
        Dense frozen = new Dense(4, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng);
        Dense head = new Dense(16, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng);
        Layer net = new Sequential(frozen, head);
        List<Tensor> frozenBefore = frozen.parameters().stream().map(Var::value).toList();
        List<Tensor> headBefore = head.parameters().stream().map(Var::value).toList();
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(head.parameters(), 0.01))
                .epochs(3).quiet(true).build().fit(IRIS.train());
        assertEquals(3, h.size());
        assertEquals(frozenBefore, frozen.parameters().stream().map(Var::value).toList());
        assertNotEquals(headBefore, head.parameters().stream().map(Var::value).toList());
    }
}
