package io.finitegrad.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The PyTorch peer of {@link MlpStepBench}: the same step on {@link MlpFixture}'s configs, weights,
 * batch and Adam settings, in PyTorch 2.7.1 for CPU through DJL's PyTorch engine, float64, two
 * intra-op threads and one inter-op thread. Built only with {@code -Ppeers}.
 *
 * <p>The forward pass and the gradients are PyTorch's own (NDArray ops recorded by a
 * {@link GradientCollector}, {@code backward} in libtorch). Adam is written here with in-place
 * NDArray ops, as {@code torch.optim.Adam}'s update (same formula as finitegrad's): DJL's
 * {@code Trainer.step()} and its optimisers refuse float64 gradients in a one-time dtype check, so
 * the step cannot go through them. Gradients accumulate in PyTorch, so each step zeroes them first,
 * as {@code optimizer.zero_grad()} does. Every temporary is closed at the end of the step
 * ({@link NDScope}).
 *
 * <p>{@link #setup} checks that the first step's loss and updated parameters equal finitegrad's within
 * 1e-9 and throws if not, so a number from this benchmark is the same computation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dai.djl.offline=true",
        "-Dai.djl.pytorch.num_threads=2", "-Dai.djl.pytorch.num_interop_threads=1"})
public class PyTorchStepBench {
    /** Largest difference allowed between PyTorch's and finitegrad's first step. */
    static final double AGREE = 1e-9;

    /** Which MLP and batch ({@link MlpFixture.Config}). */
    @Param({"A", "B", "C"})
    public MlpFixture.Config config;

    private Engine engine;
    private NDManager manager;
    private NDArray x;
    private NDArray y;
    /** Parameters in finitegrad's order (w0, b0, w1, b1, ...) and their Adam moments. */
    private NDArray[] params;
    private NDArray[] m;
    private NDArray[] v;
    private long t;

    /**
     * Loads PyTorch, copies the fixture in, and runs the first step against finitegrad's.
     *
     * @throws IllegalStateException if the PyTorch engine is not available, or its first step's
     *     loss or updated parameters differ from finitegrad's by more than 1e-9
     */
    @Setup(Level.Trial)
    public void setup() {
        engine = Engine.getEngine("PyTorch");
        manager = engine.newBaseManager(Device.cpu());
        MlpFixture f = MlpFixture.of(config);
        int[] s = f.config().sizes();
        int n = f.config().batch(), layers = f.config().layers();
        x = manager.create(f.x(), new Shape(n, s[0]));
        y = manager.create(f.oneHot(), new Shape(n, s[layers]));
        params = new NDArray[2 * layers];
        m = new NDArray[2 * layers];
        v = new NDArray[2 * layers];
        for (int l = 0; l < layers; l++) {
            params[2 * l] = manager.create(f.weight(l), new Shape(s[l], s[l + 1]));
            params[2 * l + 1] = manager.create(f.bias(l), new Shape(1, s[l + 1]));
        }
        for (int i = 0; i < params.length; i++) {
            params[i].setRequiresGradient(true);
            m[i] = manager.zeros(params[i].getShape(), params[i].getDataType());
            v[i] = manager.zeros(params[i].getShape(), params[i].getDataType());
        }
        checkFirstStep(f);
    }

    /** Frees PyTorch's tensors. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** One step; returns the loss before the update. */
    @Benchmark
    public double trainingStep() {
        return step();
    }

    private double step() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                g.subi(g); // zero_grad: backward accumulates into the existing gradient
            }
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray a = x;
                int layers = params.length / 2;
                for (int l = 0; l < layers; l++) {
                    NDArray z = a.matMul(params[2 * l]).add(params[2 * l + 1]);
                    a = l + 1 < layers ? Activation.relu(z) : z;
                }
                loss = y.mul(a.logSoftmax(1)).sum().neg().div(x.getShape().get(0));
                collector.backward(loss);
            }
            adam();
            return loss.getDouble();
        }
    }

    /** torch.optim.Adam's update in place, outside autograd (the collector is closed). */
    private void adam() {
        t++;
        double bc1 = 1 - Math.pow(MlpFixture.BETA1, t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(MlpFixture.BETA2, t));
        for (int i = 0; i < params.length; i++) {
            NDArray g = params[i].getGradient();
            m[i].muli(MlpFixture.BETA1).addi(g.mul(1 - MlpFixture.BETA1));
            v[i].muli(MlpFixture.BETA2).addi(g.square().muli(1 - MlpFixture.BETA2));
            NDArray denominator = v[i].sqrt().divi(sqrtBc2).addi(MlpFixture.EPS);
            params[i].subi(m[i].mul(MlpFixture.LR / bc1).divi(denominator));
        }
    }

    private void checkFirstStep(MlpFixture f) {
        Sequential model = f.model();
        double expected = MlpStepBench.step(model, MlpFixture.adam(model), f.input(), f.target());
        double actual = step();
        if (!(Math.abs(actual - expected) <= AGREE)) {
            throw new IllegalStateException("PyTorchStepBench " + config + ": first loss " + actual
                    + " differs from finitegrad's " + expected + " by more than " + AGREE);
        }
        for (int i = 0; i < params.length; i++) {
            double[] torch = params[i].toDoubleArray();
            double[] ours = model.parameters().get(i).read().data;
            for (int j = 0; j < torch.length; j++) {
                if (!(Math.abs(torch[j] - ours[j]) <= AGREE)) {
                    throw new IllegalStateException("PyTorchStepBench " + config + ": after the first Adam step, "
                            + model.parameters().get(i).name() + "[" + j + "] is " + torch[j] + " in PyTorch and "
                            + ours[j] + " in finitegrad (more than " + AGREE + " apart)");
                }
            }
        }
    }
}
