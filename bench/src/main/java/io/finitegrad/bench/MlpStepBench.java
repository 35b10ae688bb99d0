package io.finitegrad.bench;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.StepBuffers;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
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
 * One finitegrad training step as user code writes it, on {@link MlpFixture}'s configs: forward
 * through the ReLU MLP ({@code Sequential} of {@code Dense}), {@code Losses.softmaxCrossEntropy},
 * {@code adam.zeroGrad()}, {@code backward()}, {@code adam.step()}; with the guard on (THROW, the
 * default, with creation sites), on without sites, and OFF. The loop owns its graphs, as the
 * {@code Trainer} does, so it recycles their buffers the same way ({@link StepBuffers}: each step
 * reuses the last one's results and gradients). The matrix products use whatever
 * {@code Gemm} picks by default (the run records {@code Gemm.describe()}). Its peers in the same
 * run: {@link HandWrittenStepBench} (the same step on EJML by hand) and {@code PyTorchStepBench}
 * ({@code -Ppeers}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class MlpStepBench {
    /** Which MLP and batch ({@link MlpFixture.Config}). */
    @Param({"A", "B", "C"})
    public MlpFixture.Config config;

    /** THROW = guard on with creation sites; THROW_NO_SITES = guard on, sites off; OFF = no checks. */
    @Param({"THROW", "THROW_NO_SITES", "OFF"})
    public String guard;

    private Sequential model;
    private Adam adam;
    private Var x;
    private Var y;
    private FiniteGuard.Scope mode;
    private AutoCloseable sites;
    private StepBuffers buffers;

    /** Builds the fixture's model, data and Adam, and opens the guard setting for the trial. */
    @Setup(Level.Trial)
    public void setup() {
        MlpFixture f = MlpFixture.of(config);
        model = f.model();
        adam = MlpFixture.adam(model);
        x = f.input();
        y = f.target();
        mode = FiniteGuard.mode(guard.equals("OFF") ? FiniteGuard.Mode.OFF : FiniteGuard.Mode.THROW);
        sites = FiniteGuard.captureSites(!guard.equals("THROW_NO_SITES"));
        buffers = StepBuffers.recycle();
    }

    /** Restores the guard settings. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        buffers.close();
        sites.close();
        mode.close();
    }

    /** One step; returns the loss before the update. */
    @Benchmark
    public double trainingStep() {
        buffers.nextStep();
        return step(model, adam, x, y);
    }

    /** The step itself, shared with the test that checks {@link HandWrittenMlp} against it. */
    static double step(Sequential model, Adam adam, Var x, Var y) {
        Var loss = Losses.softmaxCrossEntropy(model.forward(x), y);
        adam.zeroGrad();
        loss.backward();
        adam.step();
        return loss.item();
    }
}
