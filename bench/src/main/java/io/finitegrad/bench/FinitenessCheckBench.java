package io.finitegrad.bench;

import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.check.FinitenessCheck;
import io.finitegrad.autodiff.check.FinitenessReport;
import io.finitegrad.core.Interval;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the finiteness analysis against the model's own step, on {@link MlpFixture}'s
 * configs (A = the 784-256-256-10 ReLU MLP, batch 128, softmax cross-entropy):
 * {@link #analyse()} is one {@link FinitenessCheck#analyse()} (trace on the batch, one interval
 * pass forward and backward in float64 over the inputs' range [min, max] of the batch, parameters
 * at their values; no confirmation, fixes or radius search), {@link #forwardBackward()} one forward
 * and backward of the same model on the same batch with the guard on (THROW). The goal:
 * analyse at most 5 forward+backward. {@link #confirm()} is a whole {@link FinitenessCheck#run()}
 * (analysis plus confirmation searches, no fixes or radius search) on a model with potential
 * defects to confirm: config C's MLP with a naive log-softmax loss over inputs in [-50, 50]; its
 * cost minus {@code analyse} on C is the confirmation's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FinitenessCheckBench {
    /** Which MLP and batch ({@link MlpFixture.Config}). */
    @Param({"A", "C"})
    public MlpFixture.Config config;

    private Sequential model;
    private Var x;
    private Var y;
    private FinitenessCheck check;
    private FinitenessCheck confirming;

    /** The fixture's model and batch, and the two checks. */
    @Setup(Level.Trial)
    public void setup() {
        MlpFixture f = MlpFixture.of(config);
        model = f.model();
        model.train(false);
        x = f.input();
        y = f.target();
        Tensor batch = x.value();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : batch.toFlatArray()) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        Var target = Var.constant(y.value());
        check = FinitenessCheck.of(in -> Losses.softmaxCrossEntropy(model.forward(in.get("x")), target))
                .input("x", Interval.full(batch.rows(), batch.cols(), lo, hi), batch);
        confirming = FinitenessCheck.of(in -> NaiveOps.softmax(model.forward(in.get("x"))).log().mul(target).sum()
                        .div(-batch.rows()))
                .input("x", Interval.full(batch.rows(), batch.cols(), -50, 50)).suggest(false).tries(200);
    }

    /** One interval pass over the traced model (the analysis's own cost). */
    @Benchmark
    public FinitenessReport analyse() {
        return check.analyse();
    }

    /** One forward and backward of the model, guard on. */
    @Benchmark
    public double forwardBackward() {
        Var loss = Losses.softmaxCrossEntropy(model.forward(x), y);
        for (Var p : model.parameters()) p.zeroGrad();
        loss.backward();
        return loss.item();
    }

    /** Analysis plus confirmation searches on a model with defects (meaningful on the small config C). */
    @Benchmark
    public FinitenessReport confirm() {
        return confirming.run();
    }
}
