package io.finitegrad.optim;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FiniteScan;
import io.finitegrad.core.Precision;
import io.finitegrad.core.PrecisionState;
import java.util.List;

/**
 * Adam, exactly as {@code torch.optim.Adam} documents and computes it (defaults beta1 0.9, beta2
 * 0.999, eps 1e-8, no weight decay). Per parameter, at its t-th step, with gradient g:
 *
 * <pre>
 * g = g + weightDecay * p                       (L2; AdamW decays p directly instead)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * The moment buffers are allocated once, here, twice over: a step computes the new moments into the
 * spare pair and {@linkplain #commit commits} by swapping, so a refused step leaves them (and the
 * step counts) untouched, and a step allocates nothing. The moments are float64 master state, or,
 * inside {@code Precision.emulate(p).roundParameters(true)}, stored rounded to the format after
 * each step (the step itself computes in float64; see {@link Optimizer}).
 *
 * <p>Adam {@linkplain #updatedBound bounds its updates}: with |g| <= G (and the L2 term), the new
 * moments are at most max(M, G) and max(V, G^2) for M, V bounds on the current ones, and since the
 * denominator is at least eps, each parameter moves by at most (lr / (1 - beta1^t)) max(M, G) / eps.
 * That bound is loose (eps is tiny) but finite for any realistic gradient, so nearly every step is
 * proven finite and made in one pass with nothing kept to undo. The moment bounds are carried from
 * step to step, and measured again when unknown (after a transactional or rounded step) or when
 * carried bounds alone cannot prove the update finite.
 *
 * @throws IllegalArgumentException for lr <= 0 or non-finite, a beta outside [0, 1), eps <= 0,
 *     weightDecay < 0
 */
public class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final double[][] m;
    private final double[][] v;
    private final double[][] mNext;
    private final double[][] vNext;
    private final long[] t;
    /** Bounds on max |m| and max v per parameter (NaN: unknown), and those the pending step would give. */
    private final double[] mBound;
    private final double[] vBound;
    private final double[] mNextBound;
    private final double[] vNextBound;

    /** Adam with PyTorch's defaults. */
    public Adam(List<Var> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0);
    }

    /** Adam with every hyperparameter given; weightDecay is the L2 penalty added to the gradient. */
    public Adam(List<Var> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this("Adam", params, lr, beta1, beta2, eps, weightDecay, false);
    }

    Adam(String owner, List<Var> params, double lr, double beta1, double beta2, double eps, double weightDecay,
         boolean decoupled) {
        super(owner, params, lr);
        this.beta1 = Hyper.unitOpen(owner, "beta1", beta1);
        this.beta2 = Hyper.unitOpen(owner, "beta2", beta2);
        this.eps = Hyper.positive(owner, "eps", eps);
        this.weightDecay = Hyper.nonNegative(owner, "weightDecay", weightDecay);
        this.decoupled = decoupled;
        int k = this.params.length;
        this.m = new double[k][];
        this.v = new double[k][];
        this.mNext = new double[k][];
        this.vNext = new double[k][];
        this.t = new long[k];
        this.mBound = new double[k]; // the moments start at zero
        this.vBound = new double[k];
        this.mNextBound = new double[k];
        this.vNextBound = new double[k];
        for (int i = 0; i < k; i++) {
            int n = this.params[i].read().getNumElements();
            m[i] = new double[n];
            v[i] = new double[n];
            mNext[i] = new double[n];
            vNext[i] = new double[n];
        }
    }

    @Override
    protected final void propose(int k, double[] x, double[] g, int n) {
        double[] mn = mNext[k], vn = vNext[k];
        // the moments too are updated in copies, in place (see Optimizer#propose)
        System.arraycopy(m[k], 0, mn, 0, n);
        System.arraycopy(v[k], 0, vn, 0, n);
        update(k, x, g, n, mn, vn);
    }

    /**
     * The step in place on the parameter and the current moments, in one pass as a hand-written
     * Adam makes it, after the moments are copied into the spare pair, which {@link #undoUpdate}
     * swaps back. The arithmetic is {@link #propose}'s, so both give the same bits.
     */
    @Override
    protected final boolean tryUpdate(int k, double[] x, double[] g, int n) {
        System.arraycopy(m[k], 0, mNext[k], 0, n);
        System.arraycopy(v[k], 0, vNext[k], 0, n);
        update(k, x, g, n, m[k], v[k]);
        t[k]++;
        return true; // an overflowed v turns x NaN (the + 0 * vi), which the step's scan of x finds
    }

    @Override
    protected final boolean boundsUpdates() {
        return true;
    }

    @Override
    protected final double updatedBound(int k, double gMax, double pMax) {
        double b = bound(k, gMax, pMax);
        if (b < Double.POSITIVE_INFINITY || !measured(k)) return b;
        return bound(k, gMax, pMax);
    }

    /** Measures the moments' bounds; false if that changed nothing (they were measured already). */
    private boolean measured(int k) {
        double m0 = FiniteScan.maxAbs(m[k], m[k].length), v0 = FiniteScan.maxAbs(v[k], v[k].length);
        boolean changed = m0 != mBound[k] || v0 != vBound[k];
        mBound[k] = m0;
        vBound[k] = v0;
        return changed;
    }

    /**
     * {@link #updatedBound} from the current moment bounds (measured first if unknown). Each bound is
     * widened by {@link #ROUNDING}, far more than the few roundings of one update can add, so it holds
     * for the float64 arithmetic of {@link #update}, not only for exact arithmetic.
     */
    private double bound(int k, double gMax, double pMax) {
        if (Double.isNaN(mBound[k])) measured(k);
        double l2 = decoupled ? 0 : weightDecay;
        double gp = (gMax + l2 * pMax) * ROUNDING;
        double mb = Math.max(mBound[k], gp) * ROUNDING, vb = Math.max(vBound[k], gp * gp) * ROUNDING;
        double stepSize = lr() / (1 - Math.pow(beta1, t[k] + 1));
        double shrink = decoupled ? Math.abs(1 - lr() * weightDecay) : 1;
        double pb = (pMax * shrink + stepSize * mb / eps) * ROUNDING;
        if (!(mb <= LARGEST && vb <= LARGEST && pb <= LARGEST)) return Double.POSITIVE_INFINITY;
        mNextBound[k] = mb;
        vNextBound[k] = vb;
        return pb;
    }

    @Override
    protected final void applyUpdate(int k, double[] x, double[] g, int n) {
        update(k, x, g, n, m[k], v[k]);
        t[k]++;
        mBound[k] = mNextBound[k];
        vBound[k] = vNextBound[k];
    }

    /** Step t[k] + 1 of parameter k on {@code x}, with the moments {@code mk}, {@code vk} updated in place. */
    private void update(int k, double[] x, double[] g, int n, double[] mk, double[] vk) {
        long step = t[k] + 1;
        double lr = lr();
        double bc1 = 1 - Math.pow(beta1, step);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, step));
        double stepSize = lr / bc1;
        double b1 = beta1, b2 = beta2, e = eps;
        double l2 = decoupled ? 0 : weightDecay;
        double shrink = decoupled ? 1 - lr * weightDecay : 1;
        for (int i = 0; i < n; i++) {
            double pi = x[i];
            double gi = g[i] + l2 * pi;
            double mi = b1 * mk[i] + (1 - b1) * gi;
            double vi = b2 * vk[i] + (1 - b2) * gi * gi;
            mk[i] = mi;
            vk[i] = vi;
            // + 0 * vi: a second moment that overflowed turns the proposal NaN (0 * Inf), so the
            // step is refused; alone, v = Inf would make every later update 0, the parameter frozen
            x[i] = pi * shrink - stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + e) + 0 * vi;
        }
    }

    @Override
    protected final void keepUpdate(int k) {
        // tryUpdate made the moments and the step count current; their bounds are measured when next needed
        mBound[k] = Double.NaN;
    }

    @Override
    protected final void undoUpdate(int k) {
        double[] swap = m[k];
        m[k] = mNext[k];
        mNext[k] = swap;
        swap = v[k];
        v[k] = vNext[k];
        vNext[k] = swap;
        t[k]--;
    }

    @Override
    protected boolean roundState(int k, Precision format) {
        int n = mNext[k].length;
        return Precision.allFinite(format.roundAndScan(mNext[k], n)) & Precision.allFinite(format.roundAndScan(vNext[k], n));
    }

    @Override
    protected String whyNonFinite(int k, double[] g) {
        // the moments' format: float64 masters, or the emulated format when state is stored rounded
        PrecisionState ps = PrecisionState.get();
        Precision store = ps.roundParameters() ? ps.precision() : Precision.FLOAT64;
        String range = store == Precision.FLOAT64 ? "the float64 range (" + (ps.emulating()
                ? "the moments are float64 master state; " : "") + "|g| above ~"
                : store.label() + "'s range, where the moments are stored (roundParameters; |g| above ~";
        double[] vn = vNext[k];
        for (int i = 0; i < vn.length; i++) {
            if (Double.isFinite(vn[i])) continue;
            return "Adam's second moment of '" + params[k].name() + "' would overflow at element " + i
                    + ": (1 - beta2) g^2 with g = " + g[i] + " is beyond " + range
                    + String.format(java.util.Locale.ROOT, "%.1e", Math.sqrt(store.maxFinite()) / Math.sqrt(1 - beta2))
                    + "), and with v infinite every later update would be 0. Clip gradients (GradClip.byGlobalNorm)"
                    + " or find what made them this large";
        }
        return null;
    }

    @Override
    protected final void commit(int k) {
        double[] swap = m[k];
        m[k] = mNext[k];
        mNext[k] = swap;
        swap = v[k];
        v[k] = vNext[k];
        vNext[k] = swap;
        t[k]++;
        mBound[k] = Double.NaN;
    }

    /** A copy of parameter {@code k}'s first moment (tests compare optimiser state with it). */
    double[] firstMoment(int k) {
        return m[k].clone();
    }

    /** A copy of parameter {@code k}'s second moment. */
    double[] secondMoment(int k) {
        return v[k].clone();
    }

    /** The bounds on parameter {@code k}'s max |m| and max v (NaN: unknown), for tests of their soundness. */
    double[] momentBounds(int k) {
        return new double[] {mBound[k], vBound[k]};
    }

    /** How many steps parameter {@code k} has taken. */
    long stepCount(int k) {
        return t[k];
    }

    public double beta1() { return beta1; }
    public double beta2() { return beta2; }
    public double eps() { return eps; }
    public double weightDecay() { return weightDecay; }
}
