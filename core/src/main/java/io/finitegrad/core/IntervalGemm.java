package io.finitegrad.core;

import org.ejml.data.DMatrixRMaj;

/**
 * The interval matrix product in midpoint-radius form (Rump, "Fast and parallel interval
 * arithmetic", BIT 39, 1999), computed with at most three real products through {@link Gemm}: the
 * box it returns holds every value {@link Gemm#mult} (resp. {@link Gemm#multTransA},
 * {@link Gemm#multTransB}) computes in double for operands anywhere in the operand boxes, whatever
 * kernel, blocking, summation order or fused multiply-add the product uses, and the exact
 * products too.
 *
 * <p>With {@code A = <Am, Ar>} and {@code B = <Bm, Br>} (midpoints and radii, the radii rounded
 * up) and an inner dimension n, the exact products lie in {@code <Am Bm, |Am| Br + Ar (|Bm| + Br)>};
 * a computed product of operands in the boxes differs from the exact one by at most
 * {@code γ_n |A| |B|} plus an underflow term, and the computed {@code fl(Am Bm)} from
 * {@code Am Bm} by {@code γ_n |Am| |Bm|} plus the same (Higham, 3.5, for any order of the sums).
 * Both rounding terms fold into the radius product:
 * <pre>
 *   M = fl(Am Bm)
 *   R = (1 + γ_n)(1 + γ_2n) (fl(|Am| (Br + 2γ_n |Bm|)) + fl(Ar (|Bm| + Br)) + 4 n η) + ...
 * </pre>
 * rounded up, where {@code γ_2n} bounds the rounding of the two non-negative radius products
 * themselves and η = 2^-1021 per term covers underflow, even with subnormals flushed to zero. The
 * three products are the whole cost; the last is skipped when A is a point ({@code Ar = 0}).
 *
 * <p>Non-finite operand ends: a row of the left factor (a column of the right one) holding an
 * infinite end makes that row (column) of the result {@code [-Inf, Inf]} with NaN possible
 * ({@code Inf * 0}, {@code Inf - Inf}); the other elements are computed from finite entries only.
 * An element whose terms could overflow somewhere in the sums (the sum of {@code |a| |b|} over
 * the boxes near the double range) is {@code [-Inf, Inf]} with NaN possible. An operand that may
 * hold NaN makes the result admit NaN. Each of those is decided per element, from Cauchy-Schwarz
 * and the radius product first, and only where those cannot decide from a fourth product
 * {@code |Am| |Bm|}, computed only then.
 *
 * @throws IllegalArgumentException from the products when the shapes do not fit
 */
public final class IntervalGemm {
    private IntervalGemm() {
    }

    /** Underflow per term of a dot product: twice the smallest normal, enough with flush-to-zero too. */
    private static final double ETA = 0x1p-1021;
    /** Sums of |a||b| below this cannot overflow in any order (a generous margin below MAX_VALUE). */
    private static final double SAFE = 0x1p1020;

    /** {@code a b}. */
    public static Interval mult(Interval a, Interval b) {
        if (a.cols() != b.rows()) throw new IllegalArgumentException("IntervalGemm.mult: " + shapes(a, b) + ": inner dimensions differ");
        return product(a, b, false, false);
    }

    /** {@code a^T b}. */
    public static Interval multTransA(Interval a, Interval b) {
        if (a.rows() != b.rows()) throw new IllegalArgumentException("IntervalGemm.multTransA: " + shapes(a, b) + ": row counts differ");
        return product(a, b, true, false);
    }

    /** {@code a b^T}. */
    public static Interval multTransB(Interval a, Interval b) {
        if (a.cols() != b.cols()) throw new IllegalArgumentException("IntervalGemm.multTransB: " + shapes(a, b) + ": column counts differ");
        return product(a, b, false, true);
    }

    private static String shapes(Interval a, Interval b) {
        return a.shape() + " and " + b.shape();
    }

    private static void gemm(boolean ta, boolean tb, DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj c) {
        if (ta) Gemm.multTransA(a, b, c);
        else if (tb) Gemm.multTransB(a, b, c);
        else Gemm.mult(a, b, c);
    }

    private static Interval product(Interval a, Interval b, boolean ta, boolean tb) {
        int m = ta ? a.cols() : a.rows(), n = ta ? a.rows() : a.cols(), p = tb ? b.rows() : b.cols();
        // which rows of op(a) and columns of op(b) hold an infinite end
        boolean[] badRow = new boolean[m], badCol = new boolean[p];
        boolean anyBad = false;
        int ac = a.cols(), bc = b.cols();
        DMatrixRMaj am = new DMatrixRMaj(a.rows(), ac), ar = new DMatrixRMaj(a.rows(), ac);
        boolean aPoint = true;
        for (int k = 0, size = a.size(); k < size; k++) {
            double lo = a.lo(k), hi = a.hi(k);
            if (Double.isInfinite(lo) || Double.isInfinite(hi)) {
                badRow[ta ? k % ac : k / ac] = true;
                anyBad = true;
                continue; // mid 0, radius 0: the elements that read it are overwritten below
            }
            double mid = lo == hi ? lo : lo * 0.5 + hi * 0.5;
            double rad = lo == hi ? 0 : Math.max(IntervalMath.subHi(hi, mid), IntervalMath.subHi(mid, lo));
            am.data[k] = mid;
            ar.data[k] = rad;
            aPoint &= rad == 0;
        }
        DMatrixRMaj bm = new DMatrixRMaj(b.rows(), bc), br = new DMatrixRMaj(b.rows(), bc);
        for (int k = 0, size = b.size(); k < size; k++) {
            double lo = b.lo(k), hi = b.hi(k);
            if (Double.isInfinite(lo) || Double.isInfinite(hi)) {
                badCol[tb ? k / bc : k % bc] = true;
                anyBad = true;
                continue;
            }
            double mid = lo == hi ? lo : lo * 0.5 + hi * 0.5;
            bm.data[k] = mid;
            br.data[k] = lo == hi ? 0 : Math.max(IntervalMath.subHi(hi, mid), IntervalMath.subHi(mid, lo));
        }
        double g = IntervalMath.gamma(n), c2 = IntervalMath.up(2 * g);
        double factor = IntervalMath.up(IntervalMath.up(1 + g) * IntervalMath.up(1 + IntervalMath.gamma(2L * n)));
        double under = IntervalMath.up(4.0 * n * ETA);

        DMatrixRMaj mid = new DMatrixRMaj(m, p);
        gemm(ta, tb, am, bm, mid);
        // Cauchy-Schwarz bounds on sum |Am||Bm| per element, before am and bm are reused
        double[] rowNorm = norms(am, !ta), colNorm = norms(bm, tb);
        // bt = Br + 2 γ |Bm| (into br's copy), bs = |Bm| + Br (into bm)
        DMatrixRMaj bt = new DMatrixRMaj(b.rows(), bc);
        for (int k = 0, size = b.size(); k < size; k++) {
            double abs = Math.abs(bm.data[k]), r = br.data[k];
            bt.data[k] = IntervalMath.addHi(r, IntervalMath.prodHi(c2, abs));
            bm.data[k] = IntervalMath.addHi(abs, r);
        }
        for (int k = 0, size = a.size(); k < size; k++) am.data[k] = Math.abs(am.data[k]);
        DMatrixRMaj rad = new DMatrixRMaj(m, p);
        gemm(ta, tb, am, bt, rad);
        DMatrixRMaj rad2 = null;
        if (!aPoint) {
            rad2 = new DMatrixRMaj(m, p);
            gemm(ta, tb, ar, bm, rad2);
        }
        double[] lo = new double[m * p], hi = new double[m * p];
        boolean nan = a.mayBeNaN() || b.mayBeNaN() || anyBad;
        boolean[] unsure = null;
        for (int i = 0; i < m; i++) {
            for (int j = 0, o = i * p; j < p; j++) {
                int k = o + j;
                if (badRow[i] || badCol[j]) {
                    lo[k] = Double.NEGATIVE_INFINITY;
                    hi[k] = Double.POSITIVE_INFINITY;
                    continue;
                }
                double s = rad2 == null ? rad.data[k] : IntervalMath.addHi(rad.data[k], rad2.data[k]);
                double r = IntervalMath.prodHi(IntervalMath.addHi(s, under), factor);
                double c = mid.data[k];
                // an upper bound on sum |a||b| over the boxes: |Am||Bm| (Cauchy-Schwarz, or rad / 2γ) + the radius terms
                double q = Math.min(IntervalMath.prodHi(rowNorm[i], colNorm[j]), IntervalMath.prodHi(IntervalMath.addHi(rad.data[k], under),
                        IntervalMath.up(factor / IntervalMath.down(2 * g))));
                double bound = IntervalMath.addHi(q, r);
                if (!(bound <= SAFE) || !Double.isFinite(c)) {
                    if (unsure == null) unsure = new boolean[m * p];
                    unsure[k] = true;
                }
                lo[k] = IntervalMath.subLo(c, r);
                hi[k] = IntervalMath.addHi(c, r);
            }
        }
        if (unsure != null) nan |= settle(unsure, ta, tb, a, b, m, p, rad, rad2, under, factor, lo, hi);
        return Interval.taking(m, p, lo, hi, nan);
    }

    /**
     * The elements Cauchy-Schwarz could not clear of overflow, decided by the exact-enough product
     * |Am||Bm|: those still near the range become [-Inf, Inf]. Returns whether any did.
     */
    private static boolean settle(boolean[] unsure, boolean ta, boolean tb, Interval a, Interval b, int m, int p,
                                  DMatrixRMaj rad, DMatrixRMaj rad2, double under, double factor, double[] lo, double[] hi) {
        DMatrixRMaj absA = absMid(a), absB = absMid(b), q = new DMatrixRMaj(m, p);
        gemm(ta, tb, absA, absB, q);
        boolean any = false;
        for (int k = 0; k < unsure.length; k++) {
            if (!unsure[k]) continue;
            double s = rad2 == null ? rad.data[k] : IntervalMath.addHi(rad.data[k], rad2.data[k]);
            double r = IntervalMath.prodHi(IntervalMath.addHi(s, under), factor);
            double exact = IntervalMath.prodHi(IntervalMath.addHi(q.data[k], under), factor);
            double bound = IntervalMath.addHi(exact, r);
            if (bound <= SAFE && Double.isFinite(lo[k]) && Double.isFinite(hi[k])) continue;
            lo[k] = Double.NEGATIVE_INFINITY;
            hi[k] = Double.POSITIVE_INFINITY;
            any = true;
        }
        return any;
    }

    /** |midpoint| of each element, 0 where an end is infinite (those elements are already [-Inf, Inf]). */
    private static DMatrixRMaj absMid(Interval x) {
        DMatrixRMaj out = new DMatrixRMaj(x.rows(), x.cols());
        for (int k = 0, size = x.size(); k < size; k++) {
            double lo = x.lo(k), hi = x.hi(k);
            if (Double.isInfinite(lo) || Double.isInfinite(hi)) continue;
            out.data[k] = Math.abs(lo == hi ? lo : lo * 0.5 + hi * 0.5);
        }
        return out;
    }

    /**
     * Upper bounds on the Euclidean norms of the rows ({@code rows} true) or columns of {@code x},
     * scaled by the largest magnitude so that no square overflows or underflows to nothing.
     */
    private static double[] norms(DMatrixRMaj x, boolean rows) {
        int count = rows ? x.numRows : x.numCols, len = rows ? x.numCols : x.numRows;
        int step = rows ? 1 : x.numCols;
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            int base = rows ? i * x.numCols : i;
            double max = 0;
            for (int k = 0, at = base; k < len; k++, at += step) max = Math.max(max, Math.abs(x.data[at]));
            if (max == 0) continue;
            // scaled by a power of two, exactly: the largest entry lands in [1, 2) (below 1 for subnormals)
            int e = Math.getExponent(max);
            double scale = Math.scalb(1.0, -e), sum = 0;
            for (int k = 0, at = base; k < len; k++, at += step) {
                double v = x.data[at] * scale;
                sum += v * v;
            }
            // the squares' sum is within (len + 1) u of exact (a square that underflows loses less than
            // 2^-1074 against a sum of at least 2^-102), sqrt within u: the factor covers both
            out[i] = IntervalMath.up(Math.scalb(IntervalMath.prodHi(Math.sqrt(sum), 1 + 1e-12 + (len + 4) * 0x1p-52), e));
        }
        return out;
    }
}
