package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link IntervalGemm} holds the exact product (in BigInteger units of 2^-4296) and every product {@link Gemm} computes
 * (Java and, where it loads, OpenBLAS) of matrices drawn inside random boxes: points, narrow and
 * wide boxes, boxes touching or straddling 0, subnormal and huge magnitudes (up to overflow),
 * infinite ends. Shapes run across the size where Gemm switches to OpenBLAS. The example count is
 * {@code 3 * -DQT_EXAMPLES}, the seed {@code -DQT_SEED}'s.
 */
@SuppressWarnings("try") // pin scopes are opened for their effect
class IntervalGemmTest {
    private static final int EXAMPLES = 3 * Integer.getInteger("QT_EXAMPLES", 100);

    enum Variant { MULT, TRANS_A, TRANS_B }

    /** A product of an m x k by a k x n box in a magnitude regime, with its data seed. */
    record Case(Variant variant, int m, int k, int n, int regime, long seed) {
        @Override
        public String toString() {
            return variant + " " + m + "x" + k + "x" + n + " regime " + regime + " seed " + seed;
        }
    }

    private static final Gen<Case> CASES = in -> {
        boolean big = integers().between(0, 4).generate(in) == 0; // one in five crosses OpenBlas.MIN_MULADDS
        int max = big ? 24 : 5;
        return new Case(Variant.values()[integers().between(0, 2).generate(in)],
                integers().between(1, max).generate(in), integers().between(1, max).generate(in),
                integers().between(1, max).generate(in), integers().between(0, 6).generate(in),
                integers().all().generate(in));
    };

    /** A magnitude for the regime: ordinary, subnormal-small, near overflow, or all of those mixed. */
    private static double magnitude(int regime, Random rng) {
        switch (regime) {
            case 1: return Math.scalb(1.0, -1074 + rng.nextInt(60)); // subnormal and just above
            case 2: return Math.scalb(1.0 + rng.nextDouble(), 1000 + rng.nextInt(23)); // near overflow
            case 3: return Math.scalb(1.0, rng.nextInt(2040) - 1070); // anywhere
            case 4: return rng.nextInt(4) == 0 ? 0 : Math.exp(3 * rng.nextGaussian());
            default: return Math.exp(rng.nextGaussian() * 2);
        }
    }

    /** A box element: a point, a narrow or wide box, one touching or straddling 0, or (rarely) an infinite end. */
    private static double[] box(int regime, Random rng) {
        double c = (rng.nextBoolean() ? 1 : -1) * magnitude(regime, rng);
        switch (rng.nextInt(regime == 6 ? 8 : 7)) {
            case 0: case 1: return new double[] {c, c};
            case 2: { double w = Math.abs(c) * 1e-9; return new double[] {c - w, c + w}; }
            case 3: { double w = Math.abs(c) * rng.nextDouble(); return new double[] {c - w, c + w}; }
            case 4: return c > 0 ? new double[] {0, c} : new double[] {c, 0};
            case 5: { double d = magnitude(regime, rng); return new double[] {-Math.abs(c), d}; }
            case 6: return new double[] {Math.min(c, -c), Math.max(c, -c)};
            default: return rng.nextBoolean() ? new double[] {Double.NEGATIVE_INFINITY, c} : new double[] {c, Double.POSITIVE_INFINITY};
        }
    }

    private static Interval boxes(int rows, int cols, int regime, Random rng) {
        double[] lo = new double[rows * cols], hi = new double[rows * cols];
        for (int i = 0; i < lo.length; i++) {
            double[] b = box(regime, rng);
            lo[i] = b[0];
            hi[i] = b[1];
        }
        return Interval.taking(rows, cols, lo, hi, false);
    }

    /** A value inside element k: an end a third of the time, else uniform (finite ends) or a large finite value. */
    private static double inside(Interval x, int k, Random rng) {
        double lo = x.lo(k), hi = x.hi(k);
        int pick = rng.nextInt(6);
        if (pick == 0 && Double.isFinite(lo)) return lo;
        if (pick == 1 && Double.isFinite(hi)) return hi;
        if (pick == 2 && (Double.isInfinite(lo) || Double.isInfinite(hi))) return Double.isInfinite(lo) ? lo : hi;
        double l = Math.max(lo, -Double.MAX_VALUE), h = Math.min(hi, Double.MAX_VALUE);
        double v = l + rng.nextDouble() * (h * 0.5 - l * 0.5) * 2;
        if (!(v >= l)) v = l;
        if (!(v <= h)) v = h;
        return v;
    }

    private static DMatrixRMaj draw(Interval x, Random rng) {
        DMatrixRMaj m = new DMatrixRMaj(x.rows(), x.cols());
        for (int k = 0; k < m.data.length; k++) m.data[k] = inside(x, k, rng);
        return m;
    }

    private static Interval interval(Case c, Interval a, Interval b) {
        switch (c.variant()) {
            case MULT: return IntervalGemm.mult(a, b);
            case TRANS_A: return IntervalGemm.multTransA(a, b);
            default: return IntervalGemm.multTransB(a, b);
        }
    }

    private static DMatrixRMaj gemm(Case c, DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(1, 1);
        switch (c.variant()) {
            case MULT: Gemm.mult(a, b, out); break;
            case TRANS_A: Gemm.multTransA(a, b, out); break;
            default: Gemm.multTransB(a, b, out);
        }
        return out;
    }

    /** The exponent every exact value is scaled to: products of doubles are integers times 2^-2148 or coarser. */
    private static final int BASE = 2148;

    /** {@code x * 2^BASE} exactly, as an integer (x finite). */
    private static BigInteger scaled(double x) {
        if (x == 0) return BigInteger.ZERO;
        long bits = Double.doubleToRawLongBits(x);
        int e = (int) ((bits >>> 52) & 0x7FF);
        long mant = bits & 0xFFFFFFFFFFFFFL;
        if (e == 0) e = 1; else mant |= 1L << 52;
        BigInteger v = BigInteger.valueOf(mant).shiftLeft(e - 1075 + BASE); // x = mant * 2^(e - 1075)
        return x < 0 ? v.negate() : v;
    }

    /** Every element of {@code m} scaled by {@link #scaled}, or null where it is infinite. */
    private static BigInteger[] scaledAll(DMatrixRMaj m) {
        BigInteger[] out = new BigInteger[m.data.length];
        for (int k = 0; k < out.length; k++) out[k] = Double.isFinite(m.data[k]) ? scaled(m.data[k]) : null;
        return out;
    }

    /** The exact product element times 2^(2 BASE), or null when an operand element is infinite. */
    private static BigInteger exact(Case c, BigInteger[] a, int aCols, BigInteger[] b, int bCols, int i, int j) {
        BigInteger s = BigInteger.ZERO;
        for (int k = 0; k < c.k(); k++) {
            BigInteger x = c.variant() == Variant.TRANS_A ? a[k * aCols + i] : a[i * aCols + k];
            BigInteger y = c.variant() == Variant.TRANS_B ? b[j * bCols + k] : b[k * bCols + j];
            if (x == null || y == null) return null;
            if (x.signum() != 0 && y.signum() != 0) s = s.add(x.multiply(y));
        }
        return s;
    }

    private static boolean holds(Interval box, int k, BigInteger v) {
        double lo = box.lo(k), hi = box.hi(k);
        boolean above = lo == Double.NEGATIVE_INFINITY || (Double.isFinite(lo) && scaled(lo).shiftLeft(BASE).compareTo(v) <= 0);
        boolean below = hi == Double.POSITIVE_INFINITY || (Double.isFinite(hi) && scaled(hi).shiftLeft(BASE).compareTo(v) >= 0);
        return above && below;
    }

    private static List<Gemm.Kernel> kernels() {
        List<Gemm.Kernel> ks = new ArrayList<>(List.of(Gemm.Kernel.JAVA));
        if (Gemm.nativeAvailable()) ks.add(Gemm.Kernel.OPENBLAS);
        return ks;
    }

    @Test
    void theBoxHoldsTheExactProductAndEveryComputedOneOfOperandsInTheBoxes() {
        long[] exactChecked = {0}, computedChecked = {0}, finiteBoxes = {0}, wideNative = {0};
        qt().withExamples(EXAMPLES).forAll(CASES).checkAssert(c -> {
            Random rng = new Random(c.seed());
            boolean ta = c.variant() == Variant.TRANS_A, tb = c.variant() == Variant.TRANS_B;
            Interval a = ta ? boxes(c.k(), c.m(), c.regime(), rng) : boxes(c.m(), c.k(), c.regime(), rng);
            Interval b = tb ? boxes(c.n(), c.k(), c.regime(), rng) : boxes(c.k(), c.n(), c.regime(), rng);
            for (Gemm.Kernel kernel : kernels()) {
                try (Gemm.Pin pin = Gemm.use(kernel)) {
                    Interval box = interval(c, a, b);
                    assertEquals(c.m(), box.rows(), c + ": rows");
                    assertEquals(c.n(), box.cols(), c + ": cols");
                    for (int k = 0; k < box.size(); k++) {
                        assertFalse(Double.isNaN(box.lo(k)) || Double.isNaN(box.hi(k)) || box.lo(k) > box.hi(k),
                                c + ": element " + k + " " + box.toString(k));
                        if (Double.isFinite(box.lo(k)) && Double.isFinite(box.hi(k))) finiteBoxes[0]++;
                    }
                    for (int draw = 0; draw < 4; draw++) {
                        DMatrixRMaj x = draw(a, rng), y = draw(b, rng);
                        DMatrixRMaj got = gemm(c, x, y);
                        // exact values once per case and draw: they do not depend on the kernel
                        BigInteger[] ex = kernel == Gemm.Kernel.JAVA && draw < 2 ? scaledAll(x) : null;
                        BigInteger[] ey = ex == null ? null : scaledAll(y);
                        for (int i = 0; i < c.m(); i++) {
                            for (int j = 0; j < c.n(); j++) {
                                int k = i * c.n() + j;
                                double v = got.data[k];
                                int ii = i, jj = j;
                                assertTrue(box.contains(k, v), () -> c + " " + kernel + ": computed " + v + " at (" + ii + ", " + jj
                                        + ") outside " + box.toString(k) + (box.mayBeNaN() ? " (NaN allowed)" : ""));
                                computedChecked[0]++;
                                if (ex == null) continue;
                                BigInteger e = exact(c, ex, x.numCols, ey, y.numCols, i, j);
                                if (e == null) continue;
                                assertTrue(holds(box, k, e), () -> c + ": exact " + new java.math.BigDecimal(e).divide(java.math.BigDecimal.valueOf(2).pow(2 * BASE))
                                        + " at (" + ii + ", " + jj + ") outside " + box.toString(k));
                                exactChecked[0]++;
                            }
                        }
                        if (kernel == Gemm.Kernel.OPENBLAS && (long) c.m() * c.n() * c.k() >= OpenBlas.MIN_MULADDS) wideNative[0]++;
                    }
                }
            }
        });
        assertTrue(exactChecked[0] >= 10L * EXAMPLES, "only " + exactChecked[0] + " exact elements checked");
        assertTrue(computedChecked[0] >= 20L * EXAMPLES, "only " + computedChecked[0] + " computed elements checked");
        assertTrue(finiteBoxes[0] >= 10L * EXAMPLES, "only " + finiteBoxes[0] + " finite result elements");
        if (Gemm.nativeAvailable()) assertTrue(wideNative[0] >= EXAMPLES / 10, "only " + wideNative[0] + " draws went to OpenBLAS");
    }

    private static Interval points(int rows, int cols, double... v) {
        return Interval.point(new DMatrixRMaj(rows, cols, true, v));
    }

    @Test
    void pointOperandsGiveANearlyPointResult() {
        Interval c = IntervalGemm.mult(points(2, 2, 1, 2, 3, 4), points(2, 1, 5, 6));
        assertFalse(c.mayBeNaN());
        assertTrue(c.contains(0, 17) && c.contains(1, 39), c.toString(0) + " " + c.toString(1));
        assertTrue(c.hi(0) - c.lo(0) <= 1e-13 && c.hi(1) - c.lo(1) <= 1e-13, c.toString(0) + " " + c.toString(1));
    }

    @Test
    void aScalarBoxProductHoldsTheProductOfTheEndsWithinMidpointRadiusOverestimation() {
        // [1, 2] [3, 4] = [3, 8]; midpoint-radius gives 5.25 +- (1.5 * 0.5 + 0.5 * 4) = [2.5, 8]
        Interval c = IntervalGemm.mult(Interval.scalar(1, 2), Interval.scalar(3, 4));
        assertTrue(c.lo(0) <= 3 && c.lo(0) >= 2.5 - 1e-12 && c.hi(0) >= 8 && c.hi(0) <= 8 + 1e-12, c.toString(0));
        // straddling 0 it is exact: 0.5 * 3.5 +- (0.5 * 0.5 + 1.5 * 4) = [-4.5, 8]... of [-4, 8]
        Interval s = IntervalGemm.mult(Interval.scalar(-1, 2), Interval.scalar(3, 4));
        assertTrue(s.lo(0) <= -4 && s.lo(0) >= -4.5 - 1e-12 && s.hi(0) >= 8 && s.hi(0) <= 8.5 + 1e-12, s.toString(0));
        // a point factor makes it exact (up to rounding): [1, 2] * 3 = [3, 6]
        Interval p = IntervalGemm.mult(Interval.scalar(1, 2), Interval.scalar(3, 3));
        assertTrue(p.lo(0) <= 3 && p.lo(0) >= 3 - 1e-12 && p.hi(0) >= 6 && p.hi(0) <= 6 + 1e-12, p.toString(0));
    }

    @Test
    void transposedProductsAgreeWithTheirPlainForms() {
        Interval a = Interval.taking(2, 3, new double[] {0, 1, -2, 3, 4, 5}, new double[] {1, 1, -1, 3, 6, 5}, false);
        Interval b = Interval.taking(3, 2, new double[] {1, 2, 3, 4, 5, 6}, new double[] {1, 2.5, 3, 4, 5, 7}, false);
        Interval plain = IntervalGemm.mult(a, b);
        Interval ta = IntervalGemm.multTransA(transpose(a), b), tb = IntervalGemm.multTransB(a, transpose(b));
        for (int k = 0; k < 4; k++) {
            assertEquals(plain.lo(k), ta.lo(k), 0.0);
            assertEquals(plain.hi(k), ta.hi(k), 0.0);
            assertEquals(plain.lo(k), tb.lo(k), 0.0);
            assertEquals(plain.hi(k), tb.hi(k), 0.0);
        }
    }

    private static Interval transpose(Interval x) {
        double[] lo = new double[x.size()], hi = new double[x.size()];
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                lo[c * x.rows() + r] = x.lo(r, c);
                hi[c * x.rows() + r] = x.hi(r, c);
            }
        }
        return Interval.taking(x.cols(), x.rows(), lo, hi, x.mayBeNaN());
    }

    @Test
    void anInfiniteEndSpoilsOnlyTheRowAndColumnThatReadIt() {
        Interval a = Interval.taking(2, 2, new double[] {1, Double.NEGATIVE_INFINITY, 1, 1}, new double[] {1, 0, 1, 1}, false);
        Interval b = points(2, 2, 1, 2, 3, 4);
        Interval c = IntervalGemm.mult(a, b);
        assertTrue(c.mayBeNaN());
        assertTrue(c.lo(0) == Double.NEGATIVE_INFINITY && c.hi(1) == Double.POSITIVE_INFINITY);
        assertTrue(c.contains(2, 4) && c.contains(3, 6) && c.hi(2) - c.lo(2) < 1e-13, c.toString(2));
    }

    @Test
    void termsThatCanOverflowGiveTheWholeLineWithNaNEvenWhenTheExactSumIsSmall() {
        // 1e308 * 2 - 1e308 * 2: exact 0, computed Inf - Inf = NaN
        Interval c = IntervalGemm.mult(points(1, 2, 1e308, 1e308), points(2, 1, 2, -2));
        assertTrue(c.mayBeNaN() && c.lo(0) == Double.NEGATIVE_INFINITY && c.hi(0) == Double.POSITIVE_INFINITY, c.toString());
        // large but safe, [1e300, 1e-300] . [+-1e-6; 1e300]: Cauchy-Schwarz (1e600) and the radius product over
        // 2 gamma (2.5e309) are both too loose, and the fourth product |Am||Bm| = 1 clears it
        Interval d = IntervalGemm.mult(points(1, 2, 1e300, 1e-300),
                Interval.taking(2, 1, new double[] {-1e-6, 1e300}, new double[] {1e-6, 1e300}, false));
        assertFalse(d.mayBeNaN(), d.toString());
        assertTrue(d.contains(0, 1) && d.lo(0) >= -1.01e294 && d.hi(0) <= 1.01e294, d.toString(0));
    }

    @Test
    void shapesThatDoNotFitAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> IntervalGemm.mult(Interval.full(2, 3, 0, 1), Interval.full(2, 3, 0, 1)));
        assertThrows(IllegalArgumentException.class, () -> IntervalGemm.multTransA(Interval.full(2, 3, 0, 1), Interval.full(3, 3, 0, 1)));
        assertThrows(IllegalArgumentException.class, () -> IntervalGemm.multTransB(Interval.full(2, 3, 0, 1), Interval.full(3, 2, 0, 1)));
    }
}
