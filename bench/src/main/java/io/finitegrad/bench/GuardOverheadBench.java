package io.finitegrad.bench;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.List;
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
 * The finiteness guard's price over whole training steps: forward, loss, backward and an SGD
 * update of an MLP, with the guard checking every node (THROW, the default, with and without
 * creation-site capture) against the guard OFF. The budget is under 5% of a step.
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

    private final List<Var> params = new ArrayList<>();
    private Var x;
    private Var y;
    private FiniteGuard.Scope mode;
    private AutoCloseable sites;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Random rng = new Random(7);
        int[] sizes = {32, 64, 64, 10};
        for (int l = 0; l + 1 < sizes.length; l++) {
            double scale = Math.sqrt(2.0 / (sizes[l] + sizes[l + 1]));
            params.add(Var.param("W" + l, random(sizes[l], sizes[l + 1], scale, rng)));
            params.add(Var.param("b" + l, Tensor.zeros(1, sizes[l + 1])));
        }
        x = Var.input("x", random(batch, sizes[0], 1.0, rng));
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

    private static Tensor random(int rows, int cols, double scale, Random rng) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextGaussian() * scale;
        return Tensor.of(rows, cols, v);
    }

    @Benchmark
    public double trainingStep() {
        Var h = x;
        for (int l = 0; l < params.size(); l += 2) {
            h = h.matmul(params.get(l)).add(params.get(l + 1));
            if (l + 2 < params.size()) h = h.tanh();
        }
        Var loss = y.mul(h.logSoftmax()).sum().div(-batch);
        for (Var p : params) p.zeroGrad();
        loss.backward();
        for (Var p : params) {
            double[] w = p.data().data, g = p.gradData().data;
            for (int i = 0; i < w.length; i++) w[i] -= 1e-3 * g[i];
        }
        return loss.item();
    }
}
