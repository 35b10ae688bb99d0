package io.finitegrad.optim;

import io.finitegrad.autodiff.Var;
import io.finitegrad.core.FiniteScan;
import java.util.List;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and (L2) weight decay,
 * exactly as {@code torch.optim.SGD} documents it. Per parameter, with gradient g:
 *
 * <pre>
 * g = g + weightDecay * p
 * if momentum != 0:
 *     b = (first step) ? g : momentum * b + (1 - dampening) * g
 *     g = nesterov ? g + momentum * b : b
 * p = p - lr * g
 * </pre>
 *
 * The momentum buffers are allocated once, here, twice over: a step computes the new buffer into the
 * spare one and {@linkplain #commit commits} by swapping, so a refused step leaves it untouched, and
 * a step allocates nothing. Inside {@code Precision.emulate(p).roundParameters(true)} the
 * parameters and the buffer are stored rounded to the format after each step (see {@link Optimizer}).
 *
 * @throws IllegalArgumentException for lr <= 0 or non-finite, momentum < 0, dampening outside [0, 1],
 *     weightDecay < 0, or Nesterov without momentum or with dampening (as PyTorch refuses it)
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private final double[][] buffers;
    private final double[][] nextBuffers;
    private final boolean[] started;
    /** A bound on max |buffer| per parameter (NaN: unknown), and the one the pending step would give. */
    private final double[] bufferBound;
    private final double[] nextBufferBound;

    /** Plain SGD: {@code p -= lr * g}. */
    public SGD(List<Var> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /** SGD with (heavy-ball) momentum. */
    public SGD(List<Var> params, double lr, double momentum) {
        this(params, lr, momentum, 0, 0, false);
    }

    /** The full form; arguments as in {@code torch.optim.SGD}. */
    public SGD(List<Var> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super("SGD", params, lr);
        this.momentum = Hyper.nonNegative("SGD", "momentum", momentum);
        this.dampening = Hyper.unitClosed("SGD", "dampening", dampening);
        this.weightDecay = Hyper.nonNegative("SGD", "weightDecay", weightDecay);
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: nesterov needs momentum > 0 and dampening 0, got momentum "
                    + momentum + " and dampening " + dampening);
        }
        this.nesterov = nesterov;
        this.buffers = new double[this.params.length][];
        this.nextBuffers = new double[this.params.length][];
        this.started = new boolean[this.params.length];
        this.bufferBound = new double[this.params.length];
        this.nextBufferBound = new double[this.params.length];
        if (momentum != 0) {
            for (int k = 0; k < buffers.length; k++) {
                buffers[k] = new double[this.params[k].read().getNumElements()];
                nextBuffers[k] = new double[buffers[k].length];
            }
        }
    }

    @Override
    protected void propose(int k, double[] x, double[] g, int n) {
        if (momentum != 0) System.arraycopy(buffers[k], 0, nextBuffers[k], 0, n); // updated in place, see Optimizer#propose
        update(k, x, g, n, nextBuffers[k]);
    }

    /**
     * The step in place on the parameter and the momentum buffer, after the buffer is copied into
     * its spare, which {@link #undoUpdate} swaps back; {@link #propose}'s arithmetic.
     */
    @Override
    protected boolean tryUpdate(int k, double[] x, double[] g, int n) {
        if (momentum != 0) System.arraycopy(buffers[k], 0, nextBuffers[k], 0, n);
        update(k, x, g, n, buffers[k]);
        return true; // a non-finite buffer element makes its parameter element non-finite too
    }

    @Override
    protected boolean boundsUpdates() {
        return true;
    }

    /**
     * With |g| <= G and |p| <= P: the gradient with weight decay is at most G + wd P, the momentum
     * buffer at most mu B + (1 - dampening) of that for B its bound, and the parameter moves by lr
     * times that (plus mu times the buffer under Nesterov), all widened for rounding.
     */
    @Override
    protected double updatedBound(int k, double gMax, double pMax) {
        double gp = (gMax + weightDecay * pMax) * ROUNDING, move = gp;
        if (momentum != 0) {
            if (Double.isNaN(bufferBound[k])) bufferBound[k] = FiniteScan.maxAbs(buffers[k], buffers[k].length);
            double bb = (started[k] ? momentum * bufferBound[k] + (1 - dampening) * gp : gp) * ROUNDING;
            nextBufferBound[k] = bb;
            move = nesterov ? (gp + momentum * bb) * ROUNDING : bb;
        }
        double pb = (pMax + lr() * move) * ROUNDING;
        return gp <= LARGEST && move <= LARGEST && pb <= LARGEST ? pb : Double.POSITIVE_INFINITY;
    }

    @Override
    protected void applyUpdate(int k, double[] x, double[] g, int n) {
        update(k, x, g, n, buffers[k]);
        if (momentum == 0) return;
        started[k] = true;
        bufferBound[k] = nextBufferBound[k];
    }

    /** The step of parameter k on {@code x}, with the momentum buffer {@code b} (unused without momentum) updated in place. */
    private void update(int k, double[] x, double[] g, int n, double[] b) {
        double lr = lr(), mu = momentum, wd = weightDecay;
        if (mu == 0) {
            for (int i = 0; i < n; i++) x[i] = x[i] - lr * (g[i] + wd * x[i]);
            return;
        }
        boolean first = !started[k];
        double keep = 1 - dampening;
        for (int i = 0; i < n; i++) {
            double pi = x[i];
            double gi = g[i] + wd * pi;
            double bi = first ? gi : mu * b[i] + keep * gi;
            b[i] = bi;
            x[i] = pi - lr * (nesterov ? gi + mu * bi : bi);
        }
    }

    @Override
    protected void keepUpdate(int k) {
        if (momentum == 0) return;
        started[k] = true;
        bufferBound[k] = Double.NaN; // measured when next needed
    }

    @Override
    protected void undoUpdate(int k) {
        if (momentum == 0) return;
        double[] swap = buffers[k];
        buffers[k] = nextBuffers[k];
        nextBuffers[k] = swap;
    }

    @Override
    protected boolean roundState(int k, io.finitegrad.core.Precision format) {
        return momentum == 0 || io.finitegrad.core.Precision.allFinite(format.roundAndScan(nextBuffers[k], nextBuffers[k].length));
    }

    @Override
    protected void commit(int k) {
        if (momentum == 0) return;
        double[] swap = buffers[k];
        buffers[k] = nextBuffers[k];
        nextBuffers[k] = swap;
        started[k] = true;
        bufferBound[k] = Double.NaN;
    }

    public double momentum() { return momentum; }
    public double dampening() { return dampening; }
    public double weightDecay() { return weightDecay; }
    public boolean nesterov() { return nesterov; }
}
