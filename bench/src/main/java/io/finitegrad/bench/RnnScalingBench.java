package io.finitegrad.bench;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.StepBuffers;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.RNN;
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
 * Whether backpropagation through time scales linearly: an Elman RNN ({@code layers.RNN}, tanh, 64
 * inputs, hidden 128, Xavier input and orthogonal recurrent weights) over a batch of 16 sequences of
 * {@link #length} steps, forward, the sum of the last state, backward through every step, guard on.
 * The score is per invocation (the whole sequence); {@code Results} divides it by the length, and the
 * goal is a time per step flat within 20% from 100 to 10,000 steps. Run with {@code -prof gc}: the
 * allocation per invocation divided by the length is the memory per step, constant if memory is linear.
 *
 * <p>{@link #recycle} runs it both ways: with the step's buffers reused from the previous step
 * ({@code StepBuffers}, as the Trainer does for the graphs it owns: values and gradients stay readable
 * until the next step), and with a new matrix per op result and gradient. Fresh buffers at 10,000
 * steps allocate 1.7 GB per sequence, most of it live until backward ends, so the collector's copying
 * of the live set grows with the length; recycled ones keep only the tape of matrices.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
public class RnnScalingBench {
    /** Inputs per step. */
    static final int IN = 64;
    /** Hidden units. */
    static final int HIDDEN = 128;
    /** Sequences per batch. */
    static final int BATCH = 16;

    /** Time steps per sequence. */
    @Param({"100", "1000", "10000"})
    public int length;

    /** Whether the step's buffers are recycled, as the Trainer recycles those of the graphs it owns. */
    @Param({"true", "false"})
    public boolean recycle;

    private RNN rnn;
    private List<Var> xs;
    private StepBuffers buffers;

    /** The layer and a fixed Gaussian input sequence, from fixed seeds. */
    @Setup(Level.Trial)
    public void setup() {
        rnn = new RNN("rnn", IN, HIDDEN, Activation.TANH, Init.XAVIER_NORMAL, Init.ORTHOGONAL, new Random(18));
        Random data = new Random(81);
        xs = new ArrayList<>(length);
        for (int t = 0; t < length; t++) {
            double[] x = new double[BATCH * IN];
            for (int i = 0; i < x.length; i++) x[i] = data.nextGaussian();
            xs.add(Var.input("x" + t, Tensor.of(BATCH, IN, x)));
        }
        buffers = recycle ? StepBuffers.recycle() : null;
    }

    /** Closes the recycling scope. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (buffers != null) buffers.close();
    }

    /** Forward over the sequence and backward from the last state's sum; returns that sum. */
    @Benchmark
    public double forwardBackward() {
        if (buffers != null) buffers.nextStep();
        for (Var p : rnn.parameters()) p.zeroGrad();
        List<Var> hs = rnn.forward(xs);
        Var loss = hs.get(hs.size() - 1).sum();
        loss.backward();
        return loss.item();
    }
}
