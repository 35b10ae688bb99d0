package io.finitegrad.bench;

import io.finitegrad.core.Gemm;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link MlpStepBench}'s step written by hand ({@link HandWrittenMlp}: preallocated buffers, no
 * graph, no guard), with EJML's {@code CommonOps_DDRM} products (EJML) or the same code through
 * {@code Gemm} pinned to OpenBLAS (BLAS, OpenBLAS's own thread count), on configs A, B and C. The
 * EJML step is the "hand-written" yardstick; the BLAS one is the like-against-like peer of a
 * finitegrad step whose products go to OpenBLAS.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HandWrittenStepBench {
    /** EJML = CommonOps_DDRM; BLAS = Gemm under {@code Gemm.use(Gemm.Kernel.OPENBLAS)}. */
    @Param({"EJML", "BLAS"})
    public String kernel;

    /** Which MLP and batch ({@link MlpFixture.Config}). */
    @Param({"A", "B", "C"})
    public MlpFixture.Config config;

    private HandWrittenMlp step;
    private AutoCloseable pin;

    /**
     * Builds the step and, for BLAS, pins this thread's Gemm kernel to OpenBLAS.
     *
     * @throws IllegalStateException if BLAS is asked for and OpenBLAS's natives did not load
     */
    @Setup(Level.Trial)
    public void setup() {
        boolean blas = kernel.equals("BLAS");
        if (!blas && !kernel.equals("EJML")) throw new IllegalArgumentException("kernel must be EJML or BLAS, got " + kernel);
        pin = blas ? Gemm.use(Gemm.Kernel.OPENBLAS) : () -> { };
        step = new HandWrittenMlp(MlpFixture.of(config), blas);
    }

    /** Unpins the kernel. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        pin.close();
    }

    /** One step; returns the loss before the update. */
    @Benchmark
    public double trainingStep() {
        return step.step();
    }
}
