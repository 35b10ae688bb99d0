package io.finitegrad.layers;

import io.finitegrad.core.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * Weight initialisers: each fills a fanIn x fanOut matrix (a layer's {@code W} in
 * {@code x @ W}) from the {@link Random} the caller passes, drawing in row-major order, so the
 * same seed gives bit-identical weights.
 *
 * <p>Xavier (Glorot) keeps the variance of activations and gradients roughly constant through
 * tanh/sigmoid layers with {@code Var(w) = 2 / (fanIn + fanOut)}; He does so through ReLU layers
 * with {@code Var(w) = 2 / fanIn}. STANDARD_NORMAL ({@code Var(w) = 1}) is the naive choice, kept to
 * show what goes wrong: pre-activations of a wide layer have standard deviation sqrt(fanIn) and
 * saturate sigmoids. {@link #normal(double)} and {@link #uniform(double)} draw at a scale you choose
 * (the large-weights scenario: {@code Init.normal(1000)}).
 *
 * <p>An immutable value: the named initialisers are constants, the scaled ones equal when their
 * kind and scale are equal.
 */
public final class Init {
    /** U(-a, a) with a = sqrt(6 / (fanIn + fanOut)). */
    public static final Init XAVIER_UNIFORM = new Init(Kind.XAVIER_UNIFORM, 0);
    /** N(0, 2 / (fanIn + fanOut)). */
    public static final Init XAVIER_NORMAL = new Init(Kind.XAVIER_NORMAL, 0);
    /** U(-a, a) with a = sqrt(6 / fanIn). */
    public static final Init HE_UNIFORM = new Init(Kind.HE_UNIFORM, 0);
    /** N(0, 2 / fanIn). */
    public static final Init HE_NORMAL = new Init(Kind.HE_NORMAL, 0);
    /** N(0, 1): the naive choice. */
    public static final Init STANDARD_NORMAL = new Init(Kind.STANDARD_NORMAL, 0);
    /** All zeros (biases; a weight matrix of zeros never breaks symmetry). */
    public static final Init ZEROS = new Init(Kind.ZEROS, 0);
    /**
     * A (semi-)orthogonal matrix, for recurrent weights: the Q of the QR decomposition of a Gaussian
     * matrix with the signs of R's diagonal folded in, so the result is uniformly distributed over
     * orthogonal matrices. Tall or square results have orthonormal columns (Q^T Q = I), wide ones
     * orthonormal rows. Every singular value is 1, so repeated multiplication neither grows nor
     * shrinks a vector.
     */
    public static final Init ORTHOGONAL = new Init(Kind.ORTHOGONAL, 0);

    private enum Kind { XAVIER_UNIFORM, XAVIER_NORMAL, HE_UNIFORM, HE_NORMAL, STANDARD_NORMAL, ZEROS, ORTHOGONAL, NORMAL, UNIFORM }

    private final Kind kind;
    /** The std (NORMAL) or the limit (UNIFORM); 0 for the named initialisers. */
    private final double scale;

    private Init(Kind kind, double scale) {
        this.kind = kind;
        this.scale = scale;
    }

    /** The named initialisers, in declaration order. */
    public static List<Init> constants() {
        return List.of(XAVIER_UNIFORM, XAVIER_NORMAL, HE_UNIFORM, HE_NORMAL, STANDARD_NORMAL, ZEROS, ORTHOGONAL);
    }

    /**
     * The initialiser whose {@link #name()} is {@code text}: a constant's name in any case
     * ({@code "he_normal"}), {@code "normal(std = 2.0)"} or {@code "uniform(limit = 0.5)"}; so a
     * model description can store an initialiser as text and get it back.
     *
     * @throws IllegalArgumentException naming the text and the names known
     */
    public static Init parse(String text) {
        String t = text == null ? "" : text.strip();
        for (Init c : constants()) if (c.name().equalsIgnoreCase(t)) return c;
        for (String[] form : new String[][] {{"normal(std =", "normal"}, {"uniform(limit =", "uniform"}}) {
            if (t.toLowerCase(Locale.ROOT).startsWith(form[0]) && t.endsWith(")")) {
                try {
                    double x = Double.parseDouble(t.substring(form[0].length(), t.length() - 1).strip());
                    return form[1].equals("normal") ? normal(x) : uniform(x);
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException("Init.parse: unknown initialiser '" + text + "', expected one of "
                + constants() + ", normal(std = x) or uniform(limit = x)");
    }

    /**
     * N(0, std^2) whatever the fans.
     *
     * @throws IllegalArgumentException if {@code std} is not positive and finite
     */
    public static Init normal(double std) {
        if (!(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("Init.normal: std must be positive and finite, got std = " + std);
        }
        return new Init(Kind.NORMAL, std);
    }

    /**
     * U(-limit, limit) whatever the fans.
     *
     * @throws IllegalArgumentException if {@code limit} is not positive and finite
     */
    public static Init uniform(double limit) {
        if (!(limit > 0) || !Double.isFinite(limit)) {
            throw new IllegalArgumentException("Init.uniform: limit must be positive and finite, got limit = " + limit);
        }
        return new Init(Kind.UNIFORM, limit);
    }

    /**
     * A new fanIn x fanOut weight matrix.
     *
     * @throws IllegalArgumentException if a fan is not positive, the matrix holds more elements than
     *     one tensor can, or {@code rng} is null
     */
    public Tensor init(int fanIn, int fanOut, Random rng) {
        if (fanIn <= 0 || fanOut <= 0) {
            throw new IllegalArgumentException("Init." + this + ": fanIn and fanOut must be positive, got fanIn = "
                    + fanIn + ", fanOut = " + fanOut);
        }
        if (rng == null) throw new IllegalArgumentException("Init." + this + ": rng is null (pass a seeded Random)");
        Sizes.matrix("Init." + this, "the weight matrix", fanIn, fanOut);
        double[] w = new double[fanIn * fanOut];
        switch (kind) {
            case XAVIER_UNIFORM -> uniform(w, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
            case XAVIER_NORMAL -> normal(w, Math.sqrt(2.0 / (fanIn + fanOut)), rng);
            case HE_UNIFORM -> uniform(w, Math.sqrt(6.0 / fanIn), rng);
            case HE_NORMAL -> normal(w, Math.sqrt(2.0 / fanIn), rng);
            case STANDARD_NORMAL -> normal(w, 1.0, rng);
            case NORMAL -> normal(w, scale, rng);
            case UNIFORM -> uniform(w, scale, rng);
            case ZEROS -> { }
            case ORTHOGONAL -> { return orthogonal(fanIn, fanOut, rng); }
        }
        return Tensor.of(fanIn, fanOut, w);
    }

    /** The variance of one weight this initialiser draws (0 for ZEROS; 1/fanOut or 1/fanIn for ORTHOGONAL). */
    public double variance(int fanIn, int fanOut) {
        return switch (kind) {
            case XAVIER_UNIFORM, XAVIER_NORMAL -> 2.0 / (fanIn + fanOut);
            case HE_UNIFORM, HE_NORMAL -> 2.0 / fanIn;
            case STANDARD_NORMAL -> 1.0;
            case NORMAL -> scale * scale;
            case UNIFORM -> scale * scale / 3;
            case ZEROS -> 0.0;
            // unit-norm columns (tall) or rows (wide) spread over the longer side
            case ORTHOGONAL -> 1.0 / Math.max(fanIn, fanOut);
        };
    }

    /** The constant's name ({@code "XAVIER_UNIFORM"}), or {@code "normal(std = 2.0)"} / {@code "uniform(limit = 0.5)"}. */
    public String name() {
        return switch (kind) {
            case NORMAL -> "normal(std = " + scale + ")";
            case UNIFORM -> "uniform(limit = " + scale + ")";
            default -> kind.name();
        };
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Init other && kind == other.kind && Double.compare(scale, other.scale) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * kind.hashCode() + Double.hashCode(scale);
    }

    private static void uniform(double[] w, double a, Random rng) {
        for (int i = 0; i < w.length; i++) w[i] = (2 * rng.nextDouble() - 1) * a;
    }

    private static void normal(double[] w, double std, Random rng) {
        for (int i = 0; i < w.length; i++) w[i] = rng.nextGaussian() * std;
    }

    private static Tensor orthogonal(int fanIn, int fanOut, Random rng) {
        boolean wide = fanIn < fanOut;
        int rows = wide ? fanOut : fanIn, cols = wide ? fanIn : fanOut; // decompose the tall orientation
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        normal(a.data, 1.0, rng);
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(rows, cols);
        if (!qr.decompose(a)) {
            throw new IllegalStateException("Init.ORTHOGONAL: QR decomposition of a " + rows + "x" + cols
                    + " Gaussian matrix failed");
        }
        DMatrixRMaj q = qr.getQ(null, true);
        DMatrixRMaj r = qr.getR(null, true);
        // Householder QR fixes signs arbitrarily; multiplying column j by sign(R_jj) makes Q unique
        // and Haar-distributed (Mezzadri 2007), as PyTorch's orthogonal_ does.
        for (int j = 0; j < cols; j++) {
            if (r.get(j, j) < 0) {
                for (int i = 0; i < rows; i++) q.set(i, j, -q.get(i, j));
            }
        }
        return Tensor.of(wide ? CommonOps_DDRM.transpose(q, null) : q);
    }
}
