package io.finitegrad.examples;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.BadCellPolicy;
import io.finitegrad.optim.data.Csv;
import io.finitegrad.optim.data.CsvOptions;
import io.finitegrad.optim.data.DataReport;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.data.StandardScaler;
import io.finitegrad.optim.train.History;
import io.finitegrad.optim.train.Trainer;
import io.finitegrad.optim.train.TrainingDivergedException;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Random;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;

/**
 * The short tour run by the README's first command: a tiny graph and its gradients, then the
 * classic log(softmax) cross-entropy breaking on large logits, caught by the guard at its entry
 * point, then the stable form, then the masked-branch trap that gives a finite loss and a NaN
 * gradient; then a network trained on Iris, and the same network on unscaled features (flagged by
 * the data check) stopped by the training loop's NaN watchdog; last, a NaN cell of a CSV file traced
 * from a shuffled batch back to its row, line and feature.
 */
public final class Demo {
    private Demo() {
    }

    public static void main(String[] args) {
        System.out.println("== 1. A tiny graph: loss = mean((x @ w + b)^2), then backward()");
        Var x = Var.input("x", Tensor.of(new double[][] {{1, 2}, {3, 4}}));
        Var w = Var.param("w", Tensor.of(new double[][] {{0.5}, {-0.25}}));
        Var b = Var.param("b", Tensor.scalar(0.1));
        Var loss = x.matmul(w).add(b).square().mean().label("loss");
        loss.backward();
        System.out.println("loss = " + loss.item());
        System.out.println("dloss/dw = " + w.grad());
        System.out.println("dloss/db = " + b.grad());

        System.out.println("\n== 2. Naive cross-entropy -sum(y * log(softmax(z))) on logits [1000, 0]");
        Var logits = Var.param("logits", Tensor.of(new double[][] {{1000, 0}, {2, 1}}));
        Var target = Var.input("target", Tensor.of(new double[][] {{0, 1}, {1, 0}}));
        try {
            NaiveOps.crossEntropy(NaiveOps.softmax(logits), target);
        } catch (NonFiniteException e) {
            System.out.println(e.getMessage());
        }

        System.out.println("\n== 3. The stable form: -sum(y * logSoftmax(z)) stays finite");
        Var stable = target.mul(logits.logSoftmax()).sum().div(-2).label("stableLoss");
        stable.backward();
        System.out.println("loss = " + stable.item() + ", dloss/dlogits = " + logits.grad());

        System.out.println("\n== 4. The masked-branch trap: where(mask, log(x), 0) is finite, its gradient is not");
        Var v = Var.param("v", Tensor.row(0.0, 2.0));
        Tensor mask = Tensor.row(0, 1);
        try (FiniteGuard.Scope guard = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var masked = v.log().where(mask, Var.constant(0)).sum().label("maskedLoss");
            masked.backward();
            System.out.println("loss = " + masked.item() + " (finite), dloss/dv = " + v.grad());
            for (NanReport r : guard.reports()) System.out.println(r + "\n");
        }

        System.out.println("== 5. A 4-16-3 network on Fisher's Iris data: check the data, scale it, train");
        Dataset.Split split = Datasets.iris().split(0.2, 0, true);
        System.out.println(DataReport.of(split.train()));
        StandardScaler scaler = new StandardScaler();
        scaler.fit(split.train());
        Layer net = irisNet(Activation.TANH, Init.XAVIER_UNIFORM);
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(100).batchSize(16).seed(3).quiet(true).build()
                .fit(scaler.transform(split.train()), scaler.transform(split.test()));
        System.out.printf("after %d epochs: train loss %.4f, test accuracy %.1f%%%n", h.size(), h.last().loss(),
                100 * h.last().testAccuracy());

        System.out.println("\n== 6. The same network on features x 10,000, no scaler, lr 1.0, textbook loss");
        Dataset raw = split.train().withFeatures(split.train().features().map(value -> value * 10_000));
        System.out.println("the data check warned: " + DataReport.of(raw).findings(DataReport.Kind.UNIT_SCALE).get(0));
        Layer fresh = irisNet(Activation.RELU, Init.HE_NORMAL);
        try {
            Trainer.builder(fresh, Losses::naiveSoftmaxCrossEntropy, new SGD(fresh.parameters(), 1.0))
                    .epochs(50).batchSize(16).seed(3).quiet(true).build().fit(raw);
        } catch (TrainingDivergedException e) {
            System.out.println(e.getMessage());
        }

        System.out.println("\n== 7. A NaN cell in a CSV file, kept to inspect it: the report names its row, line and feature");
        String notes = "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n"
                + "7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,NaN,virginica\n4.9,3.0,1.4,0.2,setosa\n"
                + "6.4,3.2,4.5,1.5,versicolor\n5.8,2.7,5.1,1.9,virginica\n";
        Dataset field;
        try {
            field = Csv.read(new StringReader(notes), "field_notes.csv",
                    CsvOptions.label("species").badCells(BadCellPolicy.KEEP_NON_FINITE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Layer small = irisNet(Activation.TANH, Init.XAVIER_UNIFORM);
        try {
            Trainer.builder(small, Losses::softmaxCrossEntropy, new Adam(small.parameters(), 0.01))
                    .epochs(1).batchSize(4).seed(3).quiet(true).build().fit(field);
        } catch (TrainingDivergedException e) {
            System.out.println(e.report());
        }
    }

    private static Layer irisNet(Activation hidden, Init init) {
        Random rng = new Random(1);
        return new Sequential(
                new Dense("hidden", 4, 16, hidden, init, rng),
                new Dense("out", 16, 3, Activation.IDENTITY, Init.XAVIER_NORMAL, rng));
    }
}
