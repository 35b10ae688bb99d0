package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.GRU;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.LSTM;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.RNN;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many-to-one sequence models are ordinary layers: an RNN, LSTM or GRU followed by a Dense head in
 * a Sequential trains through the Trainer and round-trips through a checkpoint. The task needs the
 * whole sequence: the sign of the sum of T = 20 random values, as an n x 20 feature matrix (one
 * feature per step) with classes "neg" and "pos".
 */
class RecurrentTrainingTest {
    private static final int T = 20;

    /** n sequences of T values uniform in [-1, 1], labelled by the sign of their sum. */
    private static Dataset signOfSum(int n, long seed) {
        Random rng = new Random(seed);
        double[] x = new double[n * T];
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int t = 0; t < T; t++) {
                x[i * T + t] = 2 * rng.nextDouble() - 1;
                sum += x[i * T + t];
            }
            classes[i] = sum > 0 ? 1 : 0;
        }
        List<String> steps = new ArrayList<>();
        for (int t = 0; t < T; t++) steps.add("x" + t);
        return new Dataset(Tensor.of(n, T, x), Dataset.oneHot(classes, 2), steps, List.of("neg", "pos"));
    }

    /** The same rows, but only their last step: a 1-step sequence. */
    private static Dataset lastStepOnly(Dataset d) {
        double[] last = new double[d.size()];
        for (int i = 0; i < last.length; i++) last[i] = d.features().get(i, T - 1);
        return new Dataset(Tensor.of(d.size(), 1, last), d.targets(), List.of("x" + (T - 1)), d.classNames());
    }

    private static Sequential model(Function<Random, Layer> recurrent, int hidden, long seed) {
        Random rng = new Random(seed);
        Layer first = recurrent.apply(rng);
        return new Sequential(first, new Dense(first.name() + "_head", hidden, 2, Activation.IDENTITY,
                Init.XAVIER_UNIFORM, rng));
    }

    /** Adam 0.01, batches of 32; {@code test} (null for none) is evaluated after every epoch. */
    private static void fit(Layer net, Dataset train, Dataset test, int epochs) {
        Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(epochs).batchSize(32).seed(7).quiet(true).build().fit(train, test);
    }

    /** Share of rows whose largest logit is the true class, in eval mode. */
    private static double accuracy(Layer net, Dataset d) {
        net.eval();
        Tensor logits = net.forward(Var.input("x", d.features())).value();
        int[] truth = d.classIndices();
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            int predicted = logits.get(i, 1) > logits.get(i, 0) ? 1 : 0;
            if (predicted == truth[i]) correct++;
        }
        return (double) correct / truth.length;
    }

    @Test
    void anRnnWithADenseHeadLearnsTheSignOfTheSumWhileTheLastStepAloneIsNearChance() {
        Dataset train = signOfSum(400, 1), test = signOfSum(2000, 2);
        Sequential whole = model(rng -> new RNN("rnn", 1, 4, Activation.TANH, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng),
                4, 3);
        fit(whole, train, null, 40);
        double wholeAccuracy = accuracy(whole, test);
        assertTrue(wholeAccuracy >= 0.90, "whole sequence: held-out accuracy " + wholeAccuracy);

        // the last value agrees with the sum's sign a little more often than not (their correlation
        // is 1/sqrt(20), so the best possible is 1/2 + asin(1/sqrt(20))/pi, about 57%): no model of
        // it alone gets far from chance; 2000 test rows keep the sampling error near 1%
        Sequential last = model(rng -> new RNN("rnn", 1, 4, Activation.TANH, Init.XAVIER_UNIFORM, Init.ORTHOGONAL, rng),
                4, 3);
        fit(last, lastStepOnly(train), null, 40);
        double lastAccuracy = accuracy(last, lastStepOnly(test));
        assertTrue(lastAccuracy >= 0.40 && lastAccuracy <= 0.60, "last step only: held-out accuracy " + lastAccuracy);
    }

    @Test
    void lstmAndGruTrainThroughSequentialAndTheTrainer() {
        Dataset train = signOfSum(400, 4), test = signOfSum(300, 5);
        Sequential lstm = model(rng -> new LSTM("lstm", 1, 6, rng), 6, 6);
        Sequential gru = model(rng -> new GRU("gru", 1, 6, rng), 6, 6);
        for (Sequential net : List.of(lstm, gru)) {
            double before = accuracy(net, test);
            fit(net, train, test, 30);
            double after = accuracy(net, test);
            assertTrue(after >= 0.85 && after > before, net.layers().get(0).name() + ": " + before + " -> " + after);
        }
    }

    @Test
    void aRecurrentModelRoundTripsThroughACheckpointWithIdenticalPredictions(@TempDir Path dir) throws IOException {
        Dataset train = signOfSum(200, 8), test = signOfSum(50, 9);
        Sequential trained = model(rng -> new LSTM("enc", 1, 4, rng).truncateEvery(10), 4, 10);
        fit(trained, train, test, 3);
        Path file = dir.resolve("lstm.safetensors");
        Checkpoint.saveModel(file, trained);

        Sequential fresh = model(rng -> new LSTM("enc", 1, 4, rng), 4, 11);
        Var x = Var.input("x", test.features());
        Tensor expected = trained.eval().forward(x).value();
        assertNotEquals(expected, fresh.eval().forward(x).value(), "a fresh model must differ before loading");
        Checkpoint.loadModel(file, fresh);
        assertEquals(expected, fresh.forward(x).value());
        assertEquals(List.of("enc/Wx", "enc/Wh", "enc/b", "enc_head/W", "enc_head/b"), List.copyOf(fresh.stateDict().keySet()));
    }
}
