package io.finitegrad.bench;

import io.finitegrad.core.Emulation;
import io.finitegrad.core.Precision;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.History;
import io.finitegrad.optim.train.Trainer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What emulating a format costs per training step: {@link TrainerStepBench}'s step (a 64-128-128-10
 * ReLU MLP, batches of 32, softmax cross-entropy, Adam, guard on) run inside
 * {@code Precision.emulate(precision)}. Under float64 the rounding hook is one branch per node;
 * under float32 each op output, VJP and parameter read is rounded with a float cast, under
 * bfloat16 and float16 with the bit-level rounding. Parameters stay float64 masters (the default).
 * One invocation of {@link #trainingStep} is one quiet epoch of {@value TrainerStepBench#STEPS}
 * batches: the score is per step. {@link #roundAndScan} times the hook alone, on a 128x128
 * activation-sized block of Gaussian values (copied in first, so every call rounds fresh values).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EmulationBench {
    /** The format the step is emulated in. */
    @Param({"FLOAT64", "FLOAT32", "BFLOAT16", "FLOAT16"})
    public Precision precision;

    private Trainer trainer;
    private Dataset data;
    private final double[] source = new double[128 * 128];
    private final double[] block = new double[128 * 128];

    /** Builds {@link TrainerStepBench}'s fixture and the block {@link #roundAndScan} rounds. */
    @Setup
    public void setup() {
        TrainerStepBench.Fixture f = TrainerStepBench.Fixture.build();
        trainer = f.trainer();
        data = f.data();
        Random rng = new Random(3);
        for (int i = 0; i < source.length; i++) source[i] = rng.nextGaussian();
    }

    /** One epoch of {@value TrainerStepBench#STEPS} training steps in {@link #precision}; scored per step. */
    @Benchmark
    @OperationsPerInvocation(TrainerStepBench.STEPS)
    @SuppressWarnings("try") // the scope is opened for its effect on the step
    public History trainingStep() {
        try (Emulation e = Precision.emulate(precision)) {
            return trainer.fit(data);
        }
    }

    /** The rounding hook alone: 16,384 values copied in, rounded in place and scanned. */
    @Benchmark
    public long roundAndScan() {
        System.arraycopy(source, 0, block, 0, block.length);
        return precision.roundAndScan(block, block.length);
    }
}
