package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.core.Tensor;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class InitTest {
    private static final double Z = 5; // standard errors allowed: a false alarm about once in 1.7 million runs

    @Test
    void drawnVarianceMatchesEachFormulaWithinSamplingError() {
        qt().withExamples(TestSupport.fewerExamples(5))
                .forAll(arbitrary().pick(Init.XAVIER_UNIFORM, Init.XAVIER_NORMAL, Init.HE_UNIFORM, Init.HE_NORMAL,
                        Init.STANDARD_NORMAL), integers().between(200, 500), integers().between(200, 500), longs().all())
                .checkAssert((init, fanIn, fanOut, seed) -> {
                    double[] w = init.init(fanIn, fanOut, new Random(seed)).toFlatArray();
                    double expected = init == Init.XAVIER_UNIFORM || init == Init.XAVIER_NORMAL ? 2.0 / (fanIn + fanOut)
                            : init == Init.HE_UNIFORM || init == Init.HE_NORMAL ? 2.0 / fanIn
                            : 1.0;
                    boolean uniform = init == Init.XAVIER_UNIFORM || init == Init.HE_UNIFORM;
                    int n = w.length;
                    double sum = 0, sumSq = 0, maxAbs = 0;
                    for (double v : w) {
                        sum += v;
                        sumSq += v * v;
                        maxAbs = Math.max(maxAbs, Math.abs(v));
                    }
                    double mean = sum / n, meanSq = sumSq / n;
                    assertTrue(Math.abs(mean) < Z * Math.sqrt(expected / n), init + " mean " + mean);
                    // the fourth moment is 3 sigma^4 for a normal and 1.8 sigma^4 for a uniform
                    double kurtosis = uniform ? 1.8 : 3.0;
                    double se = expected * Math.sqrt((kurtosis - 1) / n);
                    assertTrue(Math.abs(meanSq - expected) < Z * se,
                            init + " " + fanIn + "x" + fanOut + ": variance " + meanSq + ", expected " + expected);
                    double a = Math.sqrt(3 * expected); // the uniform's bound
                    if (uniform) assertTrue(maxAbs <= a, init + " drew " + maxAbs + " beyond the bound " + a);
                    else assertTrue(maxAbs > a, init + " never drew beyond sqrt(3) sigma: not normal");
                });
    }

    @Test
    void varianceMethodAgreesWithTheFormulas() {
        assertEquals(2.0 / 30, Init.XAVIER_NORMAL.variance(10, 20), 0);
        assertEquals(2.0 / 30, Init.XAVIER_UNIFORM.variance(10, 20), 0);
        assertEquals(2.0 / 10, Init.HE_NORMAL.variance(10, 20), 0);
        assertEquals(1.0, Init.STANDARD_NORMAL.variance(10, 20), 0);
        assertEquals(0.0, Init.ZEROS.variance(10, 20), 0);
    }

    @Test
    void orthogonalHasOrthonormalColumnsOrRows() {
        qt().forAll(integers().between(1, 40), integers().between(1, 40), longs().all())
                .checkAssert((fanIn, fanOut, seed) -> {
                    Tensor q = Init.ORTHOGONAL.init(fanIn, fanOut, new Random(seed));
                    assertEquals(fanIn + "x" + fanOut, q.shape());
                    DMatrixRMaj m = q.toMatrix();
                    int k = Math.min(fanIn, fanOut);
                    DMatrixRMaj gram = new DMatrixRMaj(k, k);
                    if (fanIn >= fanOut) CommonOps_DDRM.multTransA(m, m, gram); // Q^T Q
                    else CommonOps_DDRM.multTransB(m, m, gram); // Q Q^T
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            assertEquals(i == j ? 1.0 : 0.0, gram.get(i, j), 1e-10, "Gram (" + i + ", " + j + ")");
                        }
                    }
                });
    }

    @Test
    void orthogonalIsSignCorrectedSoNotAlwaysTheSameHouseholderSigns() {
        // Without the sign correction EJML's Householder QR gives Q(0, 0) < 0 for every matrix (0 of
        // 400 here); with it Q is uniformly distributed, so about half are positive.
        int positive = 0, n = 400;
        Random rng = new Random(3);
        for (int i = 0; i < n; i++) if (Init.ORTHOGONAL.init(3, 3, rng).get(0, 0) > 0) positive++;
        assertTrue(Math.abs(positive - n / 2.0) < Z * Math.sqrt(n / 4.0), positive + " of " + n + " positive");
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAndAnotherSeedDifferentOnes() {
        qt().forAll(arbitrary().pick(Init.XAVIER_UNIFORM, Init.XAVIER_NORMAL, Init.HE_UNIFORM, Init.HE_NORMAL,
                        Init.STANDARD_NORMAL, Init.ZEROS, Init.ORTHOGONAL, Init.normal(3), Init.uniform(0.5)), integers().between(1, 30), integers().between(1, 30), longs().all())
                .checkAssert((init, fanIn, fanOut, seed) -> {
                    Tensor a = init.init(fanIn, fanOut, new Random(seed));
                    Tensor b = init.init(fanIn, fanOut, new Random(seed));
                    assertEquals(a, b);
                    // a 1x1 orthogonal matrix is +1 or -1, so two seeds agree half the time
                    boolean canDiffer = init != Init.ZEROS && !(init == Init.ORTHOGONAL && fanIn * fanOut == 1);
                    if (canDiffer) assertNotEquals(a, init.init(fanIn, fanOut, new Random(seed + 1)));
                });
    }

    @Test
    void normalWithAGivenStdDrawsThatStd() {
        // the large-weights scenario: N(0, 1000^2)
        double[] w = Init.normal(1000).init(300, 400, new Random(7)).toFlatArray();
        double sum = 0, sumSq = 0, maxAbs = 0;
        for (double v : w) {
            sum += v;
            sumSq += v * v;
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        int n = w.length;
        double mean = sum / n, variance = sumSq / n - mean * mean;
        assertTrue(Math.abs(mean) < Z * 1000 / Math.sqrt(n), "mean " + mean);
        assertEquals(1000, Math.sqrt(variance), Z * 1000 * Math.sqrt(2.0 / n) / 2, "sample std");
        assertTrue(maxAbs > Math.sqrt(3) * 1000, "normal, not uniform: drew up to " + maxAbs);
        assertEquals(1e6, Init.normal(1000).variance(3, 4), 0);
    }

    @Test
    void uniformWithAGivenLimitStaysWithinItAndHasVarianceLimitSquaredOverThree() {
        double[] w = Init.uniform(0.2).init(300, 400, new Random(7)).toFlatArray();
        double sumSq = 0, maxAbs = 0;
        for (double v : w) {
            sumSq += v * v;
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        double expected = 0.04 / 3;
        assertTrue(maxAbs <= 0.2, "drew " + maxAbs);
        assertTrue(maxAbs > 0.199, "reaches the limit: " + maxAbs);
        assertEquals(expected, sumSq / w.length, Z * expected * Math.sqrt(0.8 / w.length));
        assertEquals(expected, Init.uniform(0.2).variance(3, 4), 1e-17);
    }

    @Test
    void scaledInitialisersAreValuesNamedByTheirScale() {
        assertEquals(Init.normal(2), Init.normal(2));
        assertEquals(Init.normal(2).hashCode(), Init.normal(2).hashCode());
        assertNotEquals(Init.normal(2), Init.uniform(2));
        assertEquals("normal(std = 2.0)", Init.normal(2).toString());
        assertEquals("uniform(limit = 0.5)", Init.uniform(0.5).toString());
        assertEquals("XAVIER_UNIFORM", Init.XAVIER_UNIFORM.toString());
        assertEquals("HE_NORMAL", Init.HE_NORMAL.name());
    }

    @Test
    void aScaleMustBePositiveAndFinite() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.normal(bad));
            assertTrue(e.getMessage().contains("Init.normal") && e.getMessage().contains("std = " + bad), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Init.uniform(bad));
            assertTrue(e.getMessage().contains("Init.uniform") && e.getMessage().contains("limit = " + bad), e.getMessage());
        }
    }

    @Test
    void aScaledInitialiserNamesItselfInErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Init.normal(1000).init(0, 5, new Random(1)));
        assertTrue(e.getMessage().contains("normal(std = 1000.0)") && e.getMessage().contains("fanIn = 0"), e.getMessage());
    }

    @Test
    void zerosAreZeros() {
        assertEquals(Tensor.zeros(4, 7), Init.ZEROS.init(4, 7, new Random(1)));
    }

    @Test
    void badArgumentsNameTheInitialiserAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Init.HE_NORMAL.init(0, 5, new Random(1)));
        assertTrue(e.getMessage().contains("HE_NORMAL") && e.getMessage().contains("fanIn = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Init.XAVIER_NORMAL.init(2, 5, null));
        assertTrue(e.getMessage().contains("rng"), e.getMessage());
    }
}
