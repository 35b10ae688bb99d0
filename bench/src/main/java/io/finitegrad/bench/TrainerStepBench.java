package io.finitegrad.bench;

import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.History;
import io.finitegrad.optim.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@link Trainer} step as a user gets it, with everything the loop does around the maths:
 * batching, forward through a 64-128-128-10 ReLU MLP, softmax cross-entropy, backward, the
 * watchdog's checks, an Adam update and the per-epoch bookkeeping, guard on (the default). One
 * invocation is one quiet epoch of {@value #STEPS} batches of 32 rows, so the score is per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainerStepBench {
    static final int STEPS = 16;
    static final int BATCH = 32;

    private Trainer trainer;
    private Dataset data;

    /** The model, data and trainer this benchmark times; {@link EmulationBench} times the same step. */
    record Fixture(Trainer trainer, Dataset data) {
        /** The 64-128-128-10 MLP, {@value #STEPS} batches of Gaussian rows, Adam, quiet; fixed seeds. */
        static Fixture build() {
            Random rng = new Random(11);
            Sequential model = new Sequential(
                    new Dense(64, 128, Activation.RELU, Init.HE_NORMAL, rng),
                    new Dense(128, 128, Activation.RELU, Init.HE_NORMAL, rng),
                    new Dense(128, 10, Activation.IDENTITY, Init.XAVIER_NORMAL, rng));
            int n = STEPS * BATCH;
            double[] x = new double[n * 64];
            for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
            double[] y = new double[n];
            for (int i = 0; i < n; i++) y[i] = rng.nextInt(10);
            List<String> features = new ArrayList<>();
            for (int j = 0; j < 64; j++) features.add("f" + j);
            List<String> classes = new ArrayList<>();
            for (int c = 0; c < 10; c++) classes.add("c" + c);
            Dataset data = new Dataset(Tensor.of(n, 64, x), Tensor.of(n, 1, y), features, classes);
            Trainer trainer = Trainer.builder(model, Losses::softmaxCrossEntropy, new Adam(model.parameters(), 1e-4))
                    .epochs(1).batchSize(BATCH).seed(5).quiet(true).build();
            return new Fixture(trainer, data);
        }
    }

    @Setup
    public void setup() {
        Fixture f = Fixture.build();
        trainer = f.trainer();
        data = f.data();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public History trainingStep() {
        return trainer.fit(data);
    }
}
