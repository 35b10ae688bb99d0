package io.finitegrad.bench;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import java.util.Random;
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
 * The finiteness guard's price over whole training steps: forward through a 32-64-64-10 tanh MLP,
 * softmax cross-entropy, backward and an Adam update, with the guard checking every node (THROW,
 * the default, with and without creation-site capture) against the guard OFF. The budget
 * is under 5% of a step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GuardOverheadBench {
    /** THROW = guard on with creation sites; THROW_NO_SITES = guard on, sites off; OFF = no checks. */
    @Param({"THROW", "THROW_NO_SITES", "OFF"})
    public String guard;

    /** Rows per mini-batch: small batches make per-node costs (the guard's) weigh the most. */
    @Param({"8", "64"})
    public int batch;

    private Sequential model;
    private Adam adam;
    private Var x;
    private Var y;
    private FiniteGuard.Scope mode;
    private AutoCloseable sites;

    @Setup(Level.Trial)
    public void setup() {
        Random rng = new Random(7);
        model = new Sequential(
                new Dense(32, 64, Activation.TANH, Init.XAVIER_NORMAL, rng),
                new Dense(64, 64, Activation.TANH, Init.XAVIER_NORMAL, rng),
                new Dense(64, 10, Activation.IDENTITY, Init.XAVIER_NORMAL, rng));
        adam = new Adam(model.parameters(), 1e-4);
        double[] features = new double[batch * 32];
        for (int i = 0; i < features.length; i++) features[i] = rng.nextGaussian();
        x = Var.input("x", Tensor.of(batch, 32, features));
        double[] onehot = new double[batch * 10];
        for (int r = 0; r < batch; r++) onehot[r * 10 + rng.nextInt(10)] = 1;
        y = Var.input("y", Tensor.of(batch, 10, onehot));
        mode = FiniteGuard.mode(guard.equals("OFF") ? FiniteGuard.Mode.OFF : FiniteGuard.Mode.THROW);
        sites = FiniteGuard.captureSites(!guard.equals("THROW_NO_SITES"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        sites.close();
        mode.close();
    }

    @Benchmark
    public double trainingStep() {
        Var loss = Losses.softmaxCrossEntropy(model.forward(x), y);
        adam.zeroGrad();
        loss.backward();
        adam.step();
        return loss.item();
    }
}
