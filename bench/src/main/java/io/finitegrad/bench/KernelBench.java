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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What stability costs: the stable kernels (max shift, branch choice, log1p) against the textbook
 * ones on the same 64x128 batch of logits in [-5, 5], where both are finite. Outputs go into
 * preallocated matrices so only the kernel is timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelBench {
    private DMatrixRMaj x;
    private DMatrixRMaj out;
    private DMatrixRMaj column;

    @Setup
    public void setup() {
        Random rng = new Random(42);
        x = new DMatrixRMaj(64, 128);
        for (int i = 0; i < x.data.length; i++) x.data[i] = rng.nextDouble() * 10 - 5;
        out = new DMatrixRMaj(64, 128);
        column = new DMatrixRMaj(64, 1);
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
}
