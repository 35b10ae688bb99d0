package io.finitegrad.examples.nanlab.scenarios;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.Names;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import io.finitegrad.core.Precision;
import io.finitegrad.examples.nanlab.CheckSpec;
import io.finitegrad.examples.nanlab.Expected;
import io.finitegrad.examples.nanlab.Fit;
import io.finitegrad.examples.nanlab.Lab;
import io.finitegrad.examples.nanlab.Outcome;
import io.finitegrad.examples.nanlab.Scenario;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import java.util.List;
import java.util.Random;

/**
 * Lesson 15: attention masks the keys a query may not see with -Infinity before the softmax. A
 * query that may see no key at all (a padding position) has a row of -Infinity only; the softmax
 * subtracts the row's max, -Infinity, from each entry: -Infinity - (-Infinity) = NaN.
 */
public final class FullyMaskedAttention implements Scenario {
    private static final int ROWS = 128;
    private static final int DIM = 4;
    private static final int KEYS = 5;
    /** The fix's mask value: large and finite, so exp of it is 0 and an all-masked row is uniform. */
    static final double MASKED = -1e9;

    /** -1e9, or the format's most negative finite value where -1e9 would round to -Infinity (float16: -65,504). */
    public static double maskValue(Precision p) {
        return Math.max(MASKED, -p.maxFinite());
    }

    @Override public int number() { return 15; }
    @Override public String name() { return "masked-attention"; }
    @Override public String breaks() { return "-Inf minus -Inf in the softmax of a fully masked attention row"; }
    @Override public FiniteGuard.Mode mode() { return FiniteGuard.Mode.THROW; }
    @Override public Precision precision() { return Precision.FLOAT32; }

    @Override
    public String lesson() {
        return "A single attention head learns to read a value from 5 fixed keys. Each query row says how many "
                + "keys it may see (its last column); the others are masked with -Infinity before the softmax, as "
                + "many implementations do. Padding queries may see no key at all: their whole score row is "
                + "-Infinity, and the softmax's max shift computes -Infinity - (-Infinity) = NaN. The guard stops "
                + "at the softmax of the masked scores. "
                + "-Infinity - (-Infinity) is NaN in every format: float32 (the lesson's) breaks as float64 and float16 do.";
    }

    @Override
    public String fix() {
        return "mask with a large finite value (-1e9; in float16, where -1e9 is -Infinity, its most negative "
                + "finite value, -65,504): a fully masked row becomes a uniform average, finite";
    }

    @Override
    public Expected expected() {
        return Expected.entry(Phase.FORWARD, "softmax", Cause.INF_MINUS_INF, 0.05).presentAtInit();
    }

    @Override
    public Outcome runBroken(Lab lab) {
        return train(lab, "15 mask -Infinity", Double.NEGATIVE_INFINITY);
    }

    @Override
    public Outcome runFixed(Lab lab) {
        return train(lab, "15 mask -1e9", maskValue(Precision.current()));
    }

    @Override
    public CheckSpec check(Lab lab, boolean fixed) {
        return setup(lab, fixed ? maskValue(Precision.current()) : Double.NEGATIVE_INFINITY).check();
    }

    private Outcome train(Lab lab, String task, double maskValue) {
        return setup(lab, maskValue).run(lab, task, mode());
    }

    private Fit setup(Lab lab, double maskValue) {
        Random rng = new Random(lab.seed());
        Tensor keys = Tensor.of(KEYS, DIM, gaussians(rng, KEYS * DIM));
        Tensor values = Tensor.of(KEYS, 1, gaussians(rng, KEYS));
        Attention head = new Attention(keys, values, maskValue, rng);
        Dataset data = queries(rng, keys, values);
        return new Fit(head, Losses::mse, new Adam(head.parameters(), 0.02), data, 32, b -> b.epochs(40).seed(lab.seed()));
    }

    /** softmax(mask(q Wq K^T)) V, where query row r may see its first {@code x[r][DIM]} keys. */
    private static final class Attention extends Layer {
        private final Var wq;
        private final Var keysT;
        private final Var values;
        private final double maskValue;

        Attention(Tensor keys, Tensor values, double maskValue, Random rng) {
            super("attention");
            this.wq = Var.param("attention/Wq", Init.XAVIER_UNIFORM.init(DIM, DIM, rng));
            this.keysT = Var.constant(transpose(keys));
            this.values = Var.constant(values);
            this.maskValue = maskValue;
        }

        @Override
        @SuppressWarnings("try") // the scope names the head's nodes (attention/softmax), it is never read
        public Var forward(Var x) {
            try (var s = Names.scope(name())) {
                return attend(x);
            }
        }

        private Var attend(Var x) {
            Tensor in = x.value();
            double[] visible = new double[in.rows() * KEYS];
            for (int r = 0; r < in.rows(); r++) {
                for (int k = 0; k < in.get(r, DIM); k++) visible[r * KEYS + k] = 1;
            }
            Var scores = x.sliceCols(0, DIM).matmul(wq).matmul(keysT).label("scores");
            Var masked = scores.where(Tensor.of(in.rows(), KEYS, visible), fill()).label("masked scores");
            return masked.softmax().matmul(values).label("read");
        }

        /** The mask's fill value; -Infinity is a mask on purpose, so the guard is told before it is created. */
        @SuppressWarnings("try") // the scope only permits the constant's creation
        private Var fill() {
            if (Double.isFinite(maskValue)) return Var.constant(maskValue);
            try (var allow = FiniteGuard.allowNonFinite("the attention mask's -Infinity fill")) {
                return Var.constant(maskValue);
            }
        }

        @Override
        public List<Var> parameters() {
            return List.of(wq);
        }
    }

    /**
     * Query rows [q | n]: n keys visible (0 for one row in 8, a padding query), target the value of
     * the visible key q points at; a padding query's target is the mean of all values, what a uniform
     * average over the keys reads.
     */
    private static Dataset queries(Random rng, Tensor keys, Tensor values) {
        double[] x = new double[ROWS * (DIM + 1)];
        double[] y = new double[ROWS];
        double mean = 0;
        for (int k = 0; k < KEYS; k++) mean += values.get(k, 0) / KEYS;
        for (int r = 0; r < ROWS; r++) {
            int o = r * (DIM + 1);
            int n = r % 8 == 2 ? 0 : 1 + rng.nextInt(KEYS);
            int best = rng.nextInt(n == 0 ? 1 : n);
            for (int c = 0; c < DIM; c++) x[o + c] = 3 * keys.get(best, c) + 0.1 * rng.nextGaussian();
            x[o + DIM] = n;
            y[r] = n == 0 ? mean : values.get(best, 0);
        }
        return Dataset.of(Tensor.of(ROWS, DIM + 1, x), Tensor.column(y));
    }

    private static Tensor transpose(Tensor t) {
        double[] a = new double[t.rows() * t.cols()];
        for (int r = 0; r < t.rows(); r++) for (int c = 0; c < t.cols(); c++) a[c * t.rows() + r] = t.get(r, c);
        return Tensor.of(t.cols(), t.rows(), a);
    }

    private static double[] gaussians(Random rng, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rng.nextGaussian();
        return g;
    }
}
