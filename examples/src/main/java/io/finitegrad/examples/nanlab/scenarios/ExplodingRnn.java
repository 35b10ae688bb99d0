package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import io.finitegrad.core.Precision;
import io.finitegrad.examples.nanlab.CheckSpec;
import io.finitegrad.examples.nanlab.Expected;
import io.finitegrad.examples.nanlab.Lab;
import io.finitegrad.examples.nanlab.Outcome;
import io.finitegrad.examples.nanlab.Runs;
import io.finitegrad.examples.nanlab.Scenario;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.RNN;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Lesson 12: exploding gradients in a recurrent network on long sequences. A tanh RNN with N(0, 1)
 * recurrent weights is trained on sequences of growing length, each from the same initial draw;
 * backpropagation through time multiplies the gradient by {@code Wh^T diag(tanh')} once per step,
 * and the early warning (EXPLODING) fires at the shortest length, before the gradient overflows
 * float32 at a longer one (400 with seed 0; float64 holds it). The fixed network (orthogonal Wh,
 * clipping) is trained through the same lengths.
 */
public final class ExplodingRnn implements Scenario {
    /**
     * The sequence lengths, shortest first, the ordinary lengths of a sentence or a day of minutes.
     * The broken run stops at the first that overflows its format: 400 in float32 for seed 0, 800 for
     * draws of Wh that grow the gradient more slowly.
     */
    static final int[] LENGTHS = {25, 50, 100, 200, 400, 800};
    private static final int SEQUENCES = 16;
    private static final int HIDDEN = 16;
    private static final int BATCH = 16;

    @Override public int number() { return 12; }
    @Override public String name() { return "exploding-rnn"; }
    @Override public String breaks() { return "RNN on long sequences: the gradient explodes, warned early, then overflows"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A tanh RNN of " + HIDDEN + " units with N(0, 1) recurrent weights learns to output x_T + x_{T-1}/2 "
                + "from a sequence of T noise values, for T in " + java.util.Arrays.toString(LENGTHS) + ", each "
                + "length starting from the same initial weights. Backpropagation through time multiplies the "
                + "gradient by Wh^T diag(tanh') once per step; N(0, 1) weights give Wh a spectral radius near "
                + "sqrt(" + HIDDEN + ") = 4, the network is chaotic, and the first step's gradient grows "
                + "geometrically with T (notes). The early warning (EXPLODING) fires first, at T = " + LENGTHS[0]
                + ", while every value is still finite and far from overflow; at T = 400 (with seed 0; 800 for draws "
                + "of Wh that grow it more slowly) the gradient passes float32's 3.4e38 in backward, inside the "
                + "unrolled steps, and the watchdog stops training (float16 overflows at T = 50 already; float64 "
                + "holds 1.8e308 and needs lengths in the thousands). "
                + "(A single SGD step of that size would wreck the weights anyway: that is why the warning matters.) "
                + "The fixed network learns on the short sequences and carries over to the long ones. "
                + "nanlab check will not certify the fixed network: its clipping acts on the gradient outside "
                + "the graph the check sees, and the bound it proves for each step's gradient multiplies by "
                + "the row sums of |Wh| once per step, so it grows with the length past the format's range.";
    }

    @Override
    public String fix() {
        return "orthogonal recurrent initialisation (every singular value 1) and gradient clipping to global norm 1.0";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.BACKWARD, "matmul", Cause.OVERFLOW, 0.25).presentAtInit()
                .withFormat(Precision.FLOAT64, Expected.finite(0.25));
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return curriculum(lab, false);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return curriculum(lab, true);
    }

    private Outcome curriculum(Lab lab, boolean fixed) {
        Random rng = new Random(lab.seed());
        Layer net = null;
        SGD sgd = null;
        List<String> notes = new ArrayList<>();
        List<NanReport> reports = new ArrayList<>();
        List<double[]> losses = new ArrayList<>(), norms = new ArrayList<>();
        double loss = Double.NaN;
        String ending = "";
        String[] firstWarning = {null};
        StringBuilder firstNorms = new StringBuilder("first step's gradient norm by length:");
        for (int length : LENGTHS) {
            if (net == null || !fixed) {
                // the broken run starts each length from the same N(0, 1) draw: its first gradient shows the length's effect
                net = network(lab, fixed);
                sgd = new SGD(net.parameters(), 0.05);
            }
            TrainingListener warnings = new TrainingListener() {
                @Override
                public void onWarning(int epoch, int batch, EarlyWarning w) {
                    if (firstWarning[0] == null && w.kind() == EarlyWarning.Kind.EXPLODING) {
                        firstWarning[0] = String.format(Locale.ROOT, "early warning at length %d: %s", length, w.message());
                    }
                }
            };
            Outcome o = Runs.fit(lab, "12 length " + length, mode(), net, Losses::mse, sgd,
                    b -> (fixed ? b.clipNorm(1.0) : b).epochs(fixed ? fixedEpochs(length) : 1).batchSize(BATCH).seed(lab.seed() + length)
                            .listener(warnings), sequences(rng, length));
            if (!fixed) {
                double first = o.gradNorms().length > 0 ? o.gradNorms()[0] : Double.POSITIVE_INFINITY;
                firstNorms.append(String.format(Locale.ROOT, " T=%d: %.3g", length, first));
            }
            losses.add(o.losses());
            norms.add(o.gradNorms());
            if (Double.isFinite(o.loss())) loss = o.loss();
            ending = String.format(Locale.ROOT, "length %d: %s", length, o.ending());
            if (o.nonFinite()) {
                reports.addAll(o.reports());
                notes.add(String.format(Locale.ROOT, "overflow at length %d: %s at %s", length, o.first().cause(),
                        o.first().label()));
                break;
            }
        }
        if (firstWarning[0] != null) notes.add(0, firstWarning[0]);
        if (!fixed) notes.add(firstNorms.toString());
        return new Outcome(reports, loss, concat(losses), concat(norms), ending, notes);
    }

    /** The network every length of the broken run starts from, and the fixed run's first: its initial weights. */
    private static Layer network(Lab lab, boolean fixed) {
        Random init = new Random(lab.seed());
        RNN rnn = new RNN("rnn", 1, HIDDEN, Activation.TANH, Init.XAVIER_UNIFORM,
                fixed ? Init.ORTHOGONAL : Init.STANDARD_NORMAL, init);
        return new Sequential(rnn, new Dense("out", HIDDEN, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, init));
    }

    /**
     * The check of the network at its initial weights on the sequences of the length at which the
     * broken run overflows the format (50 in float16, 400 otherwise), the batches the run trains
     * that length on. The fixed network does not certify: its clipping acts on the gradient after
     * backward, outside the graph the check sees, and the bound of each step's gradient multiplies by
     * the row sums of |Wh| (up to sqrt(16) = 4 for an orthogonal Wh) per step, so it grows with
     * the length until it passes the format's range.
     */
    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        int target = checkLength(Precision.current());
        Random rng = new Random(lab.seed());
        Dataset data = null;
        for (int length : LENGTHS) {
            data = sequences(rng, length);
            if (length == target) break;
        }
        // a finding per unrolled step: the real batch and the box's two corners per finding, no fix bisection
        return CheckSpec.loss(network(lab, fixed), Losses::mse, data, BATCH).tries(3).suggest(false);
    }

    /** The sequence length a check analyses in format p: where the broken run overflows it. */
    static int checkLength(Precision p) {
        return p == Precision.FLOAT16 ? 50 : 400;
    }

    /** The fixed run learns on the short sequences and only confirms it holds on the long ones (each long step is costly). */
    private static int fixedEpochs(int length) {
        return length <= 100 ? 6 : length <= 400 ? 2 : 1;
    }

    private static double[] concat(List<double[]> parts) {
        int n = 0;
        for (double[] p : parts) n += p.length;
        double[] all = new double[n];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Sequences of standard-normal values; the target is x_T + x_{T-1} / 2. */
    private static Dataset sequences(Random rng, int length) {
        double[] x = new double[SEQUENCES * length];
        double[] y = new double[SEQUENCES];
        for (int r = 0; r < SEQUENCES; r++) {
            for (int t = 0; t < length; t++) x[r * length + t] = rng.nextGaussian();
            y[r] = x[r * length + length - 1] + 0.5 * x[r * length + length - 2];
        }
        return Dataset.of(Tensor.of(SEQUENCES, length, x), Tensor.column(y));
    }
}
