package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The stable kernels stay finite on every finite input up to |x| = 1e300, the naive ones break
 * exactly where {@code exp} leaves the double range, and the two agree where both are valid.
 */
class KernelPropertiesTest {
    /** log(Double.MAX_VALUE): exp overflows above this. */
    private static final double EXP_LIMIT = Math.log(Double.MAX_VALUE);
    /** Below this exp(x) rounds to 0 (log of half the smallest subnormal). */
    private static final double EXP_UNDERFLOW = Math.log(Double.MIN_VALUE) - Math.log(2);

    /** Logits, a one-hot target per row and soft targets in [0, 1] per element. */
    record Batch(double[][] x, double[][] oneHot, double[][] soft) {
        @Override
        public String toString() {
            return "x = " + Arrays.deepToString(x) + ", oneHot = " + Arrays.deepToString(oneHot) + ", soft = "
                    + Arrays.deepToString(soft);
        }
    }

    private static final Gen<Double> HUGE = doubles().between(-3, 300).zip(booleans().all(),
            (e, neg) -> (neg ? -1 : 1) * Math.pow(10, e));

    /** Small values, values around the exp limits, and any magnitude up to 1e300, either sign. */
    private static final Gen<Double> VALUE = doubles().between(-30, 30)
            .mix(doubles().between(-1000, 1000), 35)
            .mix(HUGE, 40);

    /**
     * 1..3 rows of 1..8 columns. Half the rows are independent values of every magnitude; the other
     * half are a large common shift plus small offsets, the case where logits nearly tie far from 0.
     */
    private static Gen<Batch> batches(Gen<Double> independent, boolean allowShift) {
        Gen<Double> offset = doubles().between(-30, 30);
        return in -> {
            int rows = integers().between(1, 3).generate(in);
            int cols = integers().between(1, 8).generate(in);
            double[][] x = new double[rows][cols], oneHot = new double[rows][cols], soft = new double[rows][cols];
            for (int r = 0; r < rows; r++) {
                boolean shifted = allowShift && booleans().all().generate(in);
                double shift = shifted ? HUGE.generate(in) : 0;
                for (int c = 0; c < cols; c++) {
                    x[r][c] = shifted ? shift + offset.generate(in) : independent.generate(in);
                    soft[r][c] = doubles().fromZeroToOne().generate(in);
                }
                oneHot[r][integers().between(0, cols - 1).generate(in)] = 1;
            }
            return new Batch(x, oneHot, soft);
        };
    }

    private static Gen<Batch> anyFinite() {
        return batches(VALUE, true);
    }

    private static Gen<Batch> moderate() {
        return batches(doubles().between(-30, 30), false);
    }

    private static DMatrixRMaj m(double[][] a) {
        return new DMatrixRMaj(a);
    }

    private static boolean finite(DMatrixRMaj m) {
        for (int i = 0; i < m.getNumElements(); i++) if (!Double.isFinite(m.data[i])) return false;
        return true;
    }

    private static double rowMax(double[] row) {
        double mx = Double.NEGATIVE_INFINITY;
        for (double v : row) mx = Math.max(mx, v);
        return mx;
    }

    /** Relative error; exact equality (including both infinite) counts as 0. */
    private static double rel(double a, double b) {
        if (a == b) return 0;
        return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    }

    /**
     * Relative error measured against max(|a|, |b|, 1). Both formulas are only absolutely accurate
     * near 0 (log(1 + tiny) in softplus, log(p ~ 1) in log-softmax and the losses), so a pure
     * relative bound there would test rounding, not the kernels.
     */
    private static double relFloor1(double a, double b) {
        if (a == b) return 0;
        return Math.abs(a - b) / Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
    }

    // ---- stable kernels: finite everywhere ---------------------------------------------------------

    @Test
    void stableKernelsReturnOnlyFiniteValuesUpTo1e300() {
        qt().forAll(anyFinite()).checkAssert(b -> {
            DMatrixRMaj x = m(b.x()), y = m(b.oneHot()), t = m(b.soft());
            assertTrue(finite(StableKernels.softmax(x, null)), "softmax");
            assertTrue(finite(StableKernels.logSoftmax(x, null)), "logSoftmax");
            assertTrue(finite(StableKernels.logSumExp(x, null)), "logSumExp");
            assertTrue(finite(StableKernels.sigmoid(x, null)), "sigmoid");
            assertTrue(finite(StableKernels.softplus(x, null)), "softplus");
            assertTrue(Double.isFinite(StableKernels.softmaxCrossEntropy(x, y)), "softmaxCrossEntropy one-hot");
            assertTrue(Double.isFinite(StableKernels.bceWithLogits(x, t)), "bceWithLogits");
            for (double v : x.data) {
                assertTrue(Double.isFinite(StableKernels.sigmoid(v)), "sigmoid(" + v + ")");
                assertTrue(Double.isFinite(StableKernels.softplus(v)), "softplus(" + v + ")");
                assertTrue(Double.isFinite(StableKernels.logSigmoid(v)), "logSigmoid(" + v + ")");
            }
        });
    }

    @Test
    void softmaxRowsAreProbabilityDistributions() {
        qt().forAll(anyFinite()).checkAssert(b -> {
            DMatrixRMaj p = StableKernels.softmax(m(b.x()), null);
            for (int r = 0; r < p.numRows; r++) {
                double sum = 0;
                for (int c = 0; c < p.numCols; c++) {
                    double v = p.get(r, c);
                    assertTrue(v >= 0 && v <= 1, "p[" + r + "][" + c + "] = " + v);
                    sum += v;
                }
                assertEquals(1.0, sum, 1e-12, "row " + r);
            }
        });
    }

    @Test
    void logSoftmaxIsTheLogOfSoftmaxWhereThatIsFinite() {
        qt().forAll(anyFinite()).checkAssert(b -> {
            DMatrixRMaj x = m(b.x());
            DMatrixRMaj p = StableKernels.softmax(x, null), lp = StableKernels.logSoftmax(x, null);
            for (int i = 0; i < p.getNumElements(); i++) {
                // A subnormal probability keeps fewer than 52 bits, so its log is only rough.
                if (p.data[i] < Double.MIN_NORMAL) continue;
                double expected = Math.log(p.data[i]);
                assertTrue(relFloor1(expected, lp.data[i]) < 1e-12,
                        "element " + i + ": log(softmax) = " + expected + ", logSoftmax = " + lp.data[i]);
            }
        });
    }

    /** logits far from 0 that tie: the log of the row sum must not vanish into the shift. */
    @Test
    void aLargeCommonShiftKeepsTheLogOfTheRowSum() {
        double ln2 = Math.log(2);
        for (double shift : new double[] {1e17, 1e300, -1e300}) {
            DMatrixRMaj x = m(new double[][] {{shift, shift}});
            DMatrixRMaj lp = StableKernels.logSoftmax(x, null);
            assertEquals(-ln2, lp.data[0], 1e-15, "logSoftmax at shift " + shift);
            assertEquals(-ln2, lp.data[1], 1e-15, "logSoftmax at shift " + shift);
            assertEquals(ln2, StableKernels.softmaxCrossEntropy(x, m(new double[][] {{1, 0}})), 1e-15,
                    "softmaxCrossEntropy at shift " + shift);
        }
    }

    // ---- naive kernels: break where exp leaves the double range ------------------------------------

    @Test
    void naiveKernelsBreakBeyondTheExpLimitAndOnlyThere() {
        qt().forAll(anyFinite()).checkAssert(b -> {
            DMatrixRMaj x = m(b.x());
            DMatrixRMaj sm = NaiveKernels.softmax(x, null), lsm = NaiveKernels.logSoftmax(x, null);
            DMatrixRMaj lse = NaiveKernels.logSumExp(x, null), sp = NaiveKernels.softplus(x, null);
            for (int r = 0; r < x.numRows; r++) {
                double[] row = b.x()[r];
                double max = rowMax(row);
                double maxAbs = Arrays.stream(row).map(Math::abs).max().orElseThrow();
                String where = "row " + Arrays.toString(row);
                if (max > EXP_LIMIT) {
                    assertTrue(rowHasNaN(sm, r), "naive softmax Inf/Inf, " + where);
                    assertTrue(rowHasNaN(lsm, r), "naive logSoftmax, " + where);
                    assertEquals(Double.POSITIVE_INFINITY, lse.get(r, 0), "naive logSumExp, " + where);
                } else if (max < EXP_UNDERFLOW) {
                    assertTrue(rowHasNaN(sm, r), "naive softmax 0/0, " + where);
                    assertEquals(Double.NEGATIVE_INFINITY, lse.get(r, 0), "naive logSumExp log(0), " + where);
                } else if (maxAbs <= 700) {
                    assertTrue(rowFinite(sm, r), "naive softmax, " + where);
                    assertTrue(Double.isFinite(lse.get(r, 0)), "naive logSumExp, " + where);
                }
                for (int c = 0; c < row.length; c++) {
                    double v = row[c];
                    if (v > EXP_LIMIT) assertEquals(Double.POSITIVE_INFINITY, sp.get(r, c), "naive softplus(" + v + ")");
                    else assertTrue(Double.isFinite(sp.get(r, c)), "naive softplus(" + v + ")");
                }
            }
        });
    }

    private static boolean rowHasNaN(DMatrixRMaj m, int r) {
        for (int c = 0; c < m.numCols; c++) if (Double.isNaN(m.get(r, c))) return true;
        return false;
    }

    private static boolean rowFinite(DMatrixRMaj m, int r) {
        for (int c = 0; c < m.numCols; c++) if (!Double.isFinite(m.get(r, c))) return false;
        return true;
    }

    /** The same failure modes at fixed inputs, so each is seen whatever the generator draws. */
    @Test
    void eachNaiveFailureModeAtItsThreshold() {
        DMatrixRMaj over = m(new double[][] {{710, 0}});
        DMatrixRMaj justBelow = m(new double[][] {{709, 0}});
        assertTrue(Double.isNaN(NaiveKernels.softmax(over, null).data[0]));
        assertTrue(finite(NaiveKernels.softmax(justBelow, null)));
        assertEquals(Double.POSITIVE_INFINITY, NaiveKernels.logSumExp(over, null).data[0]);
        assertEquals(Double.POSITIVE_INFINITY, NaiveKernels.softplus(710));
        assertTrue(Double.isFinite(NaiveKernels.softplus(709)));
        assertTrue(Double.isNaN(NaiveKernels.softmax(m(new double[][] {{-800, -760}}), null).data[0]));
        assertEquals(Double.NEGATIVE_INFINITY, NaiveKernels.logSumExp(m(new double[][] {{-800, -760}}), null).data[0]);
        // the stable twins at the same inputs
        assertEquals(1.0, StableKernels.softmax(over, null).data[0]);
        assertEquals(710 + Math.log1p(Math.exp(-710)), StableKernels.logSumExp(over, null).data[0]);
        assertEquals(-760 + Math.log1p(Math.exp(-40)),
                StableKernels.logSumExp(m(new double[][] {{-800, -760}}), null).data[0], 1e-12);
    }

    @Test
    void naiveSigmoidSilentlyReturnsZeroOnceExpOfMinusXOverflows() {
        qt().forAll(HUGE.map(v -> -Math.abs(v) - EXP_LIMIT)).checkAssert(x -> {
            assertEquals(Double.POSITIVE_INFINITY, Math.exp(-x), "exp(-x) overflowed for x = " + x);
            assertEquals(0.0, NaiveKernels.sigmoid(x), "1/(1+Inf) is exactly 0, no NaN, for x = " + x);
            if (x > EXP_UNDERFLOW) {
                assertTrue(StableKernels.sigmoid(x) > 0, "the true value " + x + " is representable");
            } else {
                assertEquals(0.0, StableKernels.sigmoid(x), "the true value underflows too below -745");
            }
        });
        assertEquals(0.0, NaiveKernels.sigmoid(-746));
        assertEquals(0.0, NaiveKernels.sigmoid(-720));
        assertTrue(StableKernels.sigmoid(-720) > 0);
    }

    @Test
    void naiveCrossEntropyIsNonFiniteExactlyWhenAProbabilityUnderflowed() {
        qt().forAll(anyFinite()).checkAssert(b -> {
            DMatrixRMaj x = m(b.x()), y = m(b.oneHot());
            DMatrixRMaj p = StableKernels.softmax(x, null);
            boolean underflow = false;
            for (double v : p.data) underflow |= v == 0;
            double ce = NaiveKernels.crossEntropy(p, y);
            assertEquals(!underflow, Double.isFinite(ce), "crossEntropy = " + ce + " with p = " + p);
            assertTrue(Double.isFinite(StableKernels.softmaxCrossEntropy(x, y)));
        });
    }

    @Test
    void naiveBinaryCrossEntropyIsNonFiniteExactlyWhenASigmoidSaturated() {
        qt().forAll(anyFinite()).checkAssert(b -> {
            DMatrixRMaj z = m(b.x()), t = m(b.soft());
            DMatrixRMaj p = StableKernels.sigmoid(z, null);
            boolean saturated = false;
            for (double v : p.data) saturated |= v == 0 || v == 1;
            double bce = NaiveKernels.binaryCrossEntropy(p, t);
            assertEquals(!saturated, Double.isFinite(bce), "binaryCrossEntropy = " + bce + " with p = " + p);
            assertTrue(Double.isFinite(StableKernels.bceWithLogits(z, t)));
        });
        // p = sigmoid(-800) underflows to 0: log(0) with target 1, 0 * log(0) = NaN with target 0
        DMatrixRMaj p0 = StableKernels.sigmoid(m(new double[][] {{-800}}), null);
        assertEquals(Double.POSITIVE_INFINITY, NaiveKernels.binaryCrossEntropy(p0, m(new double[][] {{1}})));
        assertTrue(Double.isNaN(NaiveKernels.binaryCrossEntropy(p0, m(new double[][] {{0}}))));
    }

    // ---- the fast forms give up nothing --------------------------------------------------------------

    /** Inputs where the two sigmoid branches or Goldberg's correction could slip. */
    private static final double[] EDGES = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
        1e-300, -1e-300, 1e-17, -1e-17, 36.7, -36.7, 36.8, -36.8, 37.5, -37.5, EXP_LIMIT, -EXP_LIMIT,
        EXP_UNDERFLOW, -EXP_UNDERFLOW, 746, -746, 1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};

    /** The sigmoid exactly as it was written with a branch: the select without one must not change a bit. */
    private static double twoBranchSigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    @Test
    void branchFreeSigmoidIsBitForBitTheTwoBranchForm() {
        for (double x : EDGES) {
            assertEquals(Double.doubleToLongBits(twoBranchSigmoid(x)), Double.doubleToLongBits(StableKernels.sigmoid(x)),
                    "sigmoid(" + x + ")");
        }
        qt().forAll(VALUE).checkAssert(x -> assertEquals(Double.doubleToLongBits(twoBranchSigmoid(x)),
                Double.doubleToLongBits(StableKernels.sigmoid(x)), "sigmoid(" + x + ")"));
    }

    /**
     * Exponents of e = exp(-|x|) from 0 to -60 (|x| up to ~42, where 1 + e rounds to 1 from |x| ~ 36.7
     * on) and beyond, to subnormal e.
     */
    private static final Gen<Double> EXP_ARGS = doubles().between(0, 60).zip(booleans().all(),
            (k, neg) -> (neg ? -1 : 1) * k * Math.log(2)).mix(doubles().between(-760, 760), 20);

    /**
     * {@code log1p(exp(-|x|))} without Math.log1p stays within 2 ulps of it (each is within 1 ulp of
     * the true value by their specifications, Math.log's error is the only one Goldberg's form adds),
     * and so softplus and binary cross-entropy keep log1p's accuracy.
     */
    @Test
    void log1pOfExpKeepsLog1pAccuracy() {
        qt().forAll(EXP_ARGS.mix(VALUE, 30)).checkAssert(KernelPropertiesTest::assertLog1pAccuracy);
        for (double x : EDGES) assertLog1pAccuracy(x);
    }

    private static void assertLog1pAccuracy(double x) {
        double expected = StrictMath.log1p(Math.exp(-Math.abs(x)));
        double got = StableKernels.log1pExpNegAbs(x);
        assertTrue(within2Ulps(expected, got), "log1p(exp(-|" + x + "|)) = " + expected + ", got " + got);
        double sp = Math.max(x, 0.0) + expected, gotSp = StableKernels.softplus(x);
        assertTrue(within2Ulps(sp, gotSp), "softplus(" + x + ") = " + sp + ", got " + gotSp);
    }

    /** Equal (infinities included), both NaN, or at most 2 ulps of {@code expected} apart. */
    private static boolean within2Ulps(double expected, double got) {
        if (expected == got || Double.isNaN(expected) && Double.isNaN(got)) return true;
        return Math.abs(got - expected) <= 2 * Math.ulp(expected);
    }

    // ---- agreement where both are valid ------------------------------------------------------------

    @Test
    void stableAndNaiveAgreeForModerateInputs() {
        qt().forAll(moderate()).checkAssert(b -> {
            DMatrixRMaj x = m(b.x()), y = m(b.oneHot()), t = m(b.soft());
            assertClose(NaiveKernels.softmax(x, null), StableKernels.softmax(x, null), false, "softmax");
            assertClose(NaiveKernels.sigmoid(x, null), StableKernels.sigmoid(x, null), false, "sigmoid");
            assertClose(NaiveKernels.logSoftmax(x, null), StableKernels.logSoftmax(x, null), true, "logSoftmax");
            assertClose(NaiveKernels.logSumExp(x, null), StableKernels.logSumExp(x, null), true, "logSumExp");
            assertClose(NaiveKernels.softplus(x, null), StableKernels.softplus(x, null), true, "softplus");
            double ce = NaiveKernels.crossEntropy(NaiveKernels.softmax(x, null), y);
            double sce = StableKernels.softmaxCrossEntropy(x, y);
            assertTrue(relFloor1(ce, sce) < 1e-12, "crossEntropy " + ce + " vs softmaxCrossEntropy " + sce);
            // Naive BCE forms 1 - p, which cancels: its absolute error is ~1e-16 * exp(|z|), so 1e-12
            // holds only for |z| up to ~9. The logits are scaled to |z| <= 5 for this comparison.
            DMatrixRMaj z = x.copy();
            for (int i = 0; i < z.getNumElements(); i++) z.data[i] /= 6;
            double bce = NaiveKernels.binaryCrossEntropy(NaiveKernels.sigmoid(z, null), t);
            double bcel = StableKernels.bceWithLogits(z, t);
            assertTrue(relFloor1(bce, bcel) < 1e-12, "binaryCrossEntropy " + bce + " vs bceWithLogits " + bcel);
        });
    }

    private static void assertClose(DMatrixRMaj naive, DMatrixRMaj stable, boolean floor1, String kernel) {
        assertEquals(naive.numRows, stable.numRows);
        assertEquals(naive.numCols, stable.numCols);
        for (int i = 0; i < naive.getNumElements(); i++) {
            double a = naive.data[i], s = stable.data[i];
            double err = floor1 ? relFloor1(a, s) : rel(a, s);
            assertTrue(err < 1e-12, kernel + " element " + i + ": naive " + a + " vs stable " + s + " (error " + err + ")");
        }
    }

    @Test
    void kernelsRejectMismatchedShapesNamingBoth() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> StableKernels.softmaxCrossEntropy(new DMatrixRMaj(2, 3), new DMatrixRMaj(3, 2)));
        assertTrue(e.getMessage().contains("2x3") && e.getMessage().contains("3x2"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
