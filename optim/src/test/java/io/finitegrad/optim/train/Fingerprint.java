package io.finitegrad.optim.train;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.data.StandardScaler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test helper: a hash of every bit of a few seeded training runs (history and final parameters). */
final class Fingerprint {
    private Fingerprint() {
    }

    static long of(History h, List<Var> params) {
        long f = 17;
        for (History.Epoch e : h.epochs()) {
            for (double v : new double[] {e.loss(), e.accuracy(), e.gradNorm(), e.maxGradNorm(), e.lr(), e.testLoss(),
                e.testAccuracy()}) {
                f = f * 31 + Double.doubleToLongBits(v);
            }
        }
        for (Var p : params) for (double v : p.value().toFlatArray()) f = f * 31 + Double.doubleToLongBits(v);
        return f;
    }

    /** The benchmark's 64-128-128-10 ReLU MLP with Adam, two epochs of 16 batches of 32. */
    static long mlpAdam() {
        Random rng = new Random(11);
        Sequential model = new Sequential(new Dense(64, 128, Activation.RELU, Init.HE_NORMAL, rng),
                new Dense(128, 128, Activation.RELU, Init.HE_NORMAL, rng),
                new Dense(128, 10, Activation.IDENTITY, Init.XAVIER_NORMAL, rng));
        int n = 512;
        double[] x = new double[n * 64];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = rng.nextInt(10);
        List<String> features = new ArrayList<>();
        for (int j = 0; j < 64; j++) features.add("f" + j);
        List<String> classes = new ArrayList<>();
        for (int c = 0; c < 10; c++) classes.add("c" + c);
        Dataset data = new Dataset(Tensor.of(n, 64, x), Tensor.of(n, 1, y), features, classes);
        History h = Trainer.builder(model, Losses::softmaxCrossEntropy, new Adam(model.parameters(), 1e-3))
                .epochs(2).batchSize(32).seed(5).quiet(true).build().fit(data);
        return of(h, model.parameters());
    }

    /** Iris, 4-16-3 tanh, SGD with Nesterov momentum and weight decay, clipping, a test set. */
    static long irisSgd() {
        Dataset.Split split = Datasets.iris().split(0.2, 42, true);
        StandardScaler scaler = new StandardScaler();
        scaler.fit(split.train());
        Random rng = new Random(3);
        Sequential net = new Sequential(new Dense(4, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense(16, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new SGD(net.parameters(), 0.05, 0.9, 0, 1e-3, true))
                .epochs(5).batchSize(16).seed(7).clipNorm(0.5).quiet(true).build()
                .fit(scaler.transform(split.train()), scaler.transform(split.test()));
        return of(h, net.parameters());
    }
}
