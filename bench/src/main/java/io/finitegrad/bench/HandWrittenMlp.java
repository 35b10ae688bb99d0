package io.finitegrad.bench;

import io.finitegrad.core.Gemm;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * {@link MlpFixture}'s training step written by hand on EJML storage, the yardstick finitegrad is
 * measured against: forward through the ReLU MLP, softmax cross-entropy from the logits (max shift),
 * backward, and Adam exactly as {@code io.finitegrad.optim.Adam} and {@code torch.optim.Adam} compute
 * it. Every buffer is allocated in the constructor: a step allocates nothing. No graph, no guard, no
 * checks.
 *
 * <p>The products go either to EJML's {@code CommonOps_DDRM} directly or through
 * {@link Gemm}'s {@code mult/multTransA/multTransB}, which use the kernel the calling thread has
 * pinned ({@code Gemm.use(Gemm.Kernel.OPENBLAS)} for the BLAS step): the same multiply finitegrad
 * uses, so a ratio against it measures everything but the multiply.
 */
public final class HandWrittenMlp {
    private final boolean viaGemm;
    private final int layers;
    private final int rows;
    private final DMatrixRMaj x;
    private final DMatrixRMaj y;
    private final DMatrixRMaj[] w;
    private final DMatrixRMaj[] b;
    private final DMatrixRMaj[] gw;
    private final DMatrixRMaj[] gb;
    /** z[l] = a[l] w[l] + b[l]; a[0] is x, a[l + 1] = relu(z[l]) for hidden layers. */
    private final DMatrixRMaj[] z;
    private final DMatrixRMaj[] a;
    /** dz[l] = dLoss / dz[l]; da[l] = dLoss / da[l] (l >= 1). */
    private final DMatrixRMaj[] dz;
    private final DMatrixRMaj[] da;
    /** Adam moments, per parameter in finitegrad's order: w0, b0, w1, b1, ... */
    private final double[][] m;
    private final double[][] v;
    private long t;

    /**
     * A step on a copy of {@code f}'s weights and batch.
     *
     * @param viaGemm true to multiply through {@link Gemm} (its kernel pinned by the caller), false for {@code CommonOps_DDRM}
     * @throws IllegalArgumentException if f is null
     */
    public HandWrittenMlp(MlpFixture f, boolean viaGemm) {
        if (f == null) throw new IllegalArgumentException("HandWrittenMlp: fixture is null");
        this.viaGemm = viaGemm;
        int[] s = f.config().sizes();
        layers = s.length - 1;
        rows = f.config().batch();
        x = DMatrixRMaj.wrap(rows, s[0], f.x());
        y = DMatrixRMaj.wrap(rows, s[layers], f.oneHot());
        w = new DMatrixRMaj[layers];
        b = new DMatrixRMaj[layers];
        gw = new DMatrixRMaj[layers];
        gb = new DMatrixRMaj[layers];
        z = new DMatrixRMaj[layers];
        a = new DMatrixRMaj[layers];
        dz = new DMatrixRMaj[layers];
        da = new DMatrixRMaj[layers];
        m = new double[2 * layers][];
        v = new double[2 * layers][];
        for (int l = 0; l < layers; l++) {
            w[l] = DMatrixRMaj.wrap(s[l], s[l + 1], f.weight(l));
            b[l] = DMatrixRMaj.wrap(1, s[l + 1], f.bias(l));
            gw[l] = new DMatrixRMaj(s[l], s[l + 1]);
            gb[l] = new DMatrixRMaj(1, s[l + 1]);
            z[l] = new DMatrixRMaj(rows, s[l + 1]);
            a[l] = l == 0 ? x : new DMatrixRMaj(rows, s[l]);
            dz[l] = new DMatrixRMaj(rows, s[l + 1]);
            da[l] = l == 0 ? null : new DMatrixRMaj(rows, s[l]);
            m[2 * l] = new double[w[l].data.length];
            v[2 * l] = new double[w[l].data.length];
            m[2 * l + 1] = new double[b[l].data.length];
            v[2 * l + 1] = new double[b[l].data.length];
        }
    }

    /** One step: forward, loss, backward, Adam. Returns the loss before the update. */
    public double step() {
        for (int l = 0; l < layers; l++) {
            mult(a[l], w[l], z[l]);
            addRow(z[l], b[l]);
            if (l + 1 < layers) relu(z[l], a[l + 1]);
        }
        double loss = lossAndLogitGradient(z[layers - 1], y, dz[layers - 1]);
        for (int l = layers - 1; l >= 0; l--) {
            multTransA(a[l], dz[l], gw[l]);
            columnSums(dz[l], gb[l]);
            if (l > 0) {
                multTransB(dz[l], w[l], da[l]);
                reluBackward(z[l - 1], da[l], dz[l - 1]);
            }
        }
        t++;
        double bc1 = 1 - Math.pow(MlpFixture.BETA1, t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(MlpFixture.BETA2, t));
        for (int l = 0; l < layers; l++) {
            adam(w[l].data, gw[l].data, m[2 * l], v[2 * l], bc1, sqrtBc2);
            adam(b[l].data, gb[l].data, m[2 * l + 1], v[2 * l + 1], bc1, sqrtBc2);
        }
        return loss;
    }

    /** Layer {@code l}'s current weights, in x out (live storage: read only). */
    public DMatrixRMaj weight(int l) {
        return w[l];
    }

    /** Layer {@code l}'s current bias (live storage: read only). */
    public DMatrixRMaj bias(int l) {
        return b[l];
    }

    /** The gradient of the last step's loss with respect to layer {@code l}'s weights (live storage). */
    public DMatrixRMaj weightGradient(int l) {
        return gw[l];
    }

    /** The gradient of the last step's loss with respect to layer {@code l}'s bias (live storage). */
    public DMatrixRMaj biasGradient(int l) {
        return gb[l];
    }

    private void mult(DMatrixRMaj p, DMatrixRMaj q, DMatrixRMaj out) {
        if (viaGemm) Gemm.mult(p, q, out);
        else CommonOps_DDRM.mult(p, q, out);
    }

    private void multTransA(DMatrixRMaj p, DMatrixRMaj q, DMatrixRMaj out) {
        if (viaGemm) Gemm.multTransA(p, q, out);
        else CommonOps_DDRM.multTransA(p, q, out);
    }

    private void multTransB(DMatrixRMaj p, DMatrixRMaj q, DMatrixRMaj out) {
        if (viaGemm) Gemm.multTransB(p, q, out);
        else CommonOps_DDRM.multTransB(p, q, out);
    }

    private static void addRow(DMatrixRMaj out, DMatrixRMaj row) {
        int cols = out.numCols;
        for (int r = 0, o = 0; r < out.numRows; r++, o += cols) {
            for (int c = 0; c < cols; c++) out.data[o + c] += row.data[c];
        }
    }

    private static void relu(DMatrixRMaj in, DMatrixRMaj out) {
        for (int i = 0, n = in.getNumElements(); i < n; i++) out.data[i] = Math.max(in.data[i], 0.0);
    }

    private static void reluBackward(DMatrixRMaj pre, DMatrixRMaj upstream, DMatrixRMaj out) {
        for (int i = 0, n = pre.getNumElements(); i < n; i++) out.data[i] = pre.data[i] > 0 ? upstream.data[i] : 0.0;
    }

    private static void columnSums(DMatrixRMaj in, DMatrixRMaj out) {
        int cols = in.numCols;
        java.util.Arrays.fill(out.data, 0, cols, 0.0);
        for (int r = 0, o = 0; r < in.numRows; r++, o += cols) {
            for (int c = 0; c < cols; c++) out.data[c] += in.data[o + c];
        }
    }

    /**
     * Mean softmax cross-entropy of the rows of {@code logits} against one-hot {@code targets}, and
     * its gradient {@code (softmax(z) - y) / rows} into {@code grad}.
     */
    private static double lossAndLogitGradient(DMatrixRMaj logits, DMatrixRMaj targets, DMatrixRMaj grad) {
        int n = logits.numRows, k = logits.numCols;
        double total = 0;
        for (int r = 0, o = 0; r < n; r++, o += k) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) max = Math.max(max, logits.data[o + c]);
            double sum = 0;
            for (int c = 0; c < k; c++) sum += grad.data[o + c] = Math.exp(logits.data[o + c] - max);
            double logSum = Math.log(sum), inv = 1.0 / sum;
            for (int c = 0; c < k; c++) {
                double yc = targets.data[o + c];
                total -= yc * (logits.data[o + c] - max - logSum);
                grad.data[o + c] = (grad.data[o + c] * inv - yc) / n;
            }
        }
        return total / n;
    }

    private static void adam(double[] p, double[] g, double[] m, double[] v, double bc1, double sqrtBc2) {
        double b1 = MlpFixture.BETA1, b2 = MlpFixture.BETA2, stepSize = MlpFixture.LR / bc1;
        for (int i = 0; i < p.length; i++) {
            double gi = g[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBc2 + MlpFixture.EPS);
        }
    }
}
