package io.finitegrad.bench;

import io.finitegrad.core.NaiveKernels;
import io.finitegrad.core.StableKernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;
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
 * What stability costs, like against like: each stable kernel (max shift, exp of -|x| only,
 * log1p's accuracy) against its textbook twin on the same float64 logits in [-5, 5], where both are finite, at
 * {@link #shape} 128x1000 (a batch of rows) and 1x100000 (one long row). Both softmax
 * cross-entropies start from the logits: the naive one forms {@code exp(z) / sum(exp(z))} and takes
 * the log of every probability ({@code NaiveKernels.softmax} then {@code crossEntropy}), the stable
 * one works in log space ({@code StableKernels.softmaxCrossEntropy}). Outputs go into preallocated
 * matrices so only the kernel is timed. The goal: stable at most 1.3x naive.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelBench {
    /** rows x cols of the logits. */
    @Param({"128x1000", "1x100000"})
    public String shape;

    private DMatrixRMaj x;
    private DMatrixRMaj targets;
    private DMatrixRMaj out;
    private DMatrixRMaj column;

    /**
     * Fills the logits and one-hot targets from a fixed seed.
     *
     * @throws IllegalArgumentException if shape is not rows x cols
     */
    @Setup
    public void setup() {
        String[] rc = shape.split("x");
        if (rc.length != 2) throw new IllegalArgumentException("shape must be rows x cols, got " + shape);
        int rows = Integer.parseInt(rc[0]), cols = Integer.parseInt(rc[1]);
        Random rng = new Random(42);
        x = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < x.data.length; i++) x.data[i] = rng.nextDouble() * 10 - 5;
        targets = new DMatrixRMaj(rows, cols);
        for (int r = 0; r < rows; r++) targets.set(r, rng.nextInt(cols), 1.0);
        out = new DMatrixRMaj(rows, cols);
        column = new DMatrixRMaj(rows, 1);
    }

    @Benchmark public DMatrixRMaj softmaxNaive() { return NaiveKernels.softmax(x, out); }
    @Benchmark public DMatrixRMaj softmaxStable() { return StableKernels.softmax(x, out); }
    @Benchmark public DMatrixRMaj logSoftmaxNaive() { return NaiveKernels.logSoftmax(x, out); }
    @Benchmark public DMatrixRMaj logSoftmaxStable() { return StableKernels.logSoftmax(x, out); }
    @Benchmark public DMatrixRMaj logSumExpNaive() { return NaiveKernels.logSumExp(x, column); }
    @Benchmark public DMatrixRMaj logSumExpStable() { return StableKernels.logSumExp(x, column); }
    @Benchmark public DMatrixRMaj sigmoidNaive() { return NaiveKernels.sigmoid(x, out); }
    @Benchmark public DMatrixRMaj sigmoidStable() { return StableKernels.sigmoid(x, out); }
    @Benchmark public DMatrixRMaj softplusNaive() { return NaiveKernels.softplus(x, out); }
    @Benchmark public DMatrixRMaj softplusStable() { return StableKernels.softplus(x, out); }
    /** {@code -sum(y log(exp(z) / sum(exp(z)))) / rows}: softmax into a buffer, then the log of every probability. */
    @Benchmark public double softmaxCrossEntropyNaive() { return NaiveKernels.crossEntropy(NaiveKernels.softmax(x, out), targets); }
    /** {@code -sum(y (z - max - log(sum(exp(z - max))))) / rows}, from the logits. */
    @Benchmark public double softmaxCrossEntropyStable() { return StableKernels.softmaxCrossEntropy(x, targets); }
}
