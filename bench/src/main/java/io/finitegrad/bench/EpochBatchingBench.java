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
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One epoch over a large Iris-width set ({@code rows} x 4 features, 3 classes, batches of 32):
 * {@link #batches} is the shuffle and gathering alone, {@link #trainEpoch} the epoch {@code nanlab
 * train} runs (4-16-16-3 ReLU MLP, Adam, clipping at 1, guard and warnings on). Single shots: an
 * epoch of a million rows takes seconds, and the point is how it grows with {@code rows}. Run with
 * a bounded heap to check the memory goal, e.g. {@code java -Xmx512m -jar benchmarks.jar EpochBatchingBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class EpochBatchingBench {
    static final int BATCH = 32;

    @Param({"1000000"})
    public int rows;

    private Dataset data;
    private long seed;

    @Setup
    public void setup() {
        Random rng = new Random(15);
        double[] x = new double[rows * 4];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) y[i] = rng.nextInt(3);
        data = new Dataset(Tensor.of(rows, 4, x), Tensor.of(rows, 1, y),
                List.of("sepal_length", "sepal_width", "petal_length", "petal_width"), List.of("setosa", "versicolor", "virginica"))
                .oneHot();
    }

    @Benchmark
    public List<Dataset.Batch> batches() {
        return data.batches(BATCH, new Random(seed++));
    }

    @Benchmark
    public History trainEpoch() {
        Random rng = new Random(seed++);
        Sequential model = new Sequential(
                new Dense("dense1", 4, 16, Activation.RELU, Init.HE_NORMAL, rng),
                new Dense("dense2", 16, 16, Activation.RELU, Init.HE_NORMAL, rng),
                new Dense("out", 16, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return Trainer.builder(model, Losses::softmaxCrossEntropy, new Adam(model.parameters(), 0.01))
                .epochs(1).batchSize(BATCH).seed(seed).clipNorm(1).quiet(true).build().fit(data);
    }
}
