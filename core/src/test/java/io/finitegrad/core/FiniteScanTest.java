package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class FiniteScanTest {

    private static final double[] SPECIALS = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    @Test
    void scanCountsLocatesAndMeasures() {
        DMatrixRMaj m = new DMatrixRMaj(new double[][] {
                {1.5, -2, 3},
                {Double.NaN, 7, Double.POSITIVE_INFINITY},
                {Double.NEGATIVE_INFINITY, Double.NaN, -8}});
        FiniteStats st = FiniteScan.scan(m);
        assertEquals(3, st.rows());
        assertEquals(3, st.cols());
        assertEquals(2, st.nanCount());
        assertEquals(1, st.posInfCount());
        assertEquals(1, st.negInfCount());
        assertEquals(4, st.nonFiniteCount());
        assertFalse(st.allFinite());
        assertEquals(3, st.firstBadIndex());
        assertEquals(1, st.firstBadRow());
        assertEquals(0, st.firstBadCol());
        assertEquals(-8.0, st.min());
        assertEquals(7.0, st.max());
        String s = st.toString();
        assertTrue(s.contains("2 NaN") && s.contains("1 +Inf") && s.contains("1 -Inf"), s);
        assertTrue(s.contains("(1, 0)"), s);
        assertEquals("2 NaN, 1 +Inf, 1 -Inf", st.nonFiniteCounts());
        assertEquals("1 -Inf", FiniteScan.scan(new DMatrixRMaj(new double[][] {{1, Double.NEGATIVE_INFINITY}})).nonFiniteCounts());
        assertEquals("", FiniteScan.scan(new DMatrixRMaj(new double[][] {{1, 2}})).nonFiniteCounts());
    }

    @Test
    void scanOfAFiniteMatrixReportsNoOffender() {
        FiniteStats st = FiniteScan.scan(new DMatrixRMaj(new double[][] {{-Double.MAX_VALUE, 0}, {Double.MIN_VALUE, 4}}));
        assertTrue(st.allFinite());
        assertEquals(0, st.nonFiniteCount());
        assertEquals(-1, st.firstBadIndex());
        assertEquals(-1, st.firstBadRow());
        assertEquals(-1, st.firstBadCol());
        assertEquals(-Double.MAX_VALUE, st.min());
        assertEquals(4.0, st.max());
    }

    @Test
    void scanWithoutAnyFiniteValueHasNoRange() {
        FiniteStats st = FiniteScan.scan(new DMatrixRMaj(new double[][] {{Double.NaN, Double.POSITIVE_INFINITY}}));
        assertTrue(Double.isNaN(st.min()));
        assertTrue(Double.isNaN(st.max()));
        assertEquals(0, st.firstBadCol());
        assertTrue(st.toString().contains("no finite values"), st.toString());
    }

    @Test
    void scanOverwritesAReusedStatsObject() {
        FiniteStats reused = new FiniteStats();
        FiniteScan.scan(new DMatrixRMaj(new double[][] {{Double.NaN, 1}, {2, 3}}), reused);
        FiniteScan.scan(new DMatrixRMaj(new double[][] {{5, 6, 7}}), reused);
        assertTrue(reused.allFinite());
        assertEquals(0, reused.nanCount());
        assertEquals(1, reused.rows());
        assertEquals(3, reused.cols());
        assertEquals(5.0, reused.min());
        assertEquals(7.0, reused.max());
    }

    /** Sizes 1..9 cover the 4-way unrolled loop, its tail, and both together. */
    @Test
    void allFiniteFindsOneBadValueAtEveryPositionOfEverySize() {
        for (int n = 1; n <= 9; n++) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = (i + 1) * 1e300 * (i % 2 == 0 ? 1 : -1);
            assertTrue(FiniteScan.allFinite(d, n), "all finite, n = " + n);
            for (int bad = 0; bad < n; bad++) {
                for (double special : SPECIALS) {
                    double[] copy = d.clone();
                    copy[bad] = special;
                    assertFalse(FiniteScan.allFinite(copy, n), special + " at " + bad + " of " + n);
                    DMatrixRMaj asRow = new DMatrixRMaj(1, n, true, copy);
                    assertFalse(FiniteScan.allFinite(asRow), special + " at " + bad + " of 1x" + n);
                    FiniteStats st = FiniteScan.scan(new DMatrixRMaj(n, 1, true, copy));
                    assertEquals(bad, st.firstBadRow(), special + " at " + bad + " of " + n + "x1");
                    assertEquals(0, st.firstBadCol());
                }
            }
        }
    }

    @Test
    void allFiniteLooksOnlyAtTheFirstNValues() {
        double[] d = {1, 2, 3, 4, 5, Double.NaN};
        assertTrue(FiniteScan.allFinite(d, 5));
        assertFalse(FiniteScan.allFinite(d, 6));
        // an EJML matrix may have spare capacity beyond its current shape
        DMatrixRMaj m = new DMatrixRMaj(2, 3);
        m.reshape(1, 2);
        m.data[4] = Double.NaN;
        assertTrue(FiniteScan.allFinite(m));
    }

    @Test
    void extremeFiniteValuesCountAsFinite() {
        double[] d = {Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, -0.0, Double.MIN_NORMAL,
                Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        for (int n = 1; n <= d.length; n++) assertTrue(FiniteScan.allFinite(d, n), "n = " + n);
    }

    /** An array of length 0..40 with finite values of all magnitudes and a few specials. */
    private static Gen<double[]> arraysWithSpecials() {
        Gen<Double> finite = doubles().between(-1, 1).zip(integers().between(-320, 308),
                (m, e) -> m * Math.pow(10, e)).map(x -> Double.isFinite(x) ? x : 0.0);
        Gen<Double> special = integers().between(0, 2).map(i -> SPECIALS[i]);
        Gen<Double> value = finite.mix(special, 10);
        return in -> {
            int n = integers().between(0, 40).generate(in);
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = value.generate(in);
            return d;
        };
    }

    @Test
    void maxAbsIsTheLargestMagnitudeOrTheWorstSpecialOfTheFirstNValues() {
        qt().forAll(arraysWithSpecials().describedAs(Arrays::toString)).checkAssert(d -> {
            int n = d.length;
            double naive = 0;
            boolean nan = false, inf = false;
            for (double x : d) {
                nan |= Double.isNaN(x);
                inf |= Double.isInfinite(x);
                if (Double.isFinite(x)) naive = Math.max(naive, Math.abs(x));
            }
            double expected = nan ? Double.NaN : inf ? Double.POSITIVE_INFINITY : naive;
            assertEquals(expected, FiniteScan.maxAbs(d, n), Arrays.toString(d));
            if (n > 0) assertEquals(Math.abs(d[0]), FiniteScan.maxAbs(d, 1), "only the first value counts");
        });
    }

    @Test
    void allFiniteAndScanAgreeWithANaiveLoop() {
        qt().forAll(arraysWithSpecials().describedAs(Arrays::toString)).checkAssert(d -> {
            int n = d.length;
            boolean naive = true;
            int first = -1, nan = 0, pos = 0, neg = 0;
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                double x = d[i];
                if (Double.isFinite(x)) {
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                    continue;
                }
                naive = false;
                if (first < 0) first = i;
                if (Double.isNaN(x)) nan++;
                else if (x > 0) pos++;
                else neg++;
            }
            assertEquals(naive, FiniteScan.allFinite(d, n));
            if (n == 0) return;
            FiniteStats st = FiniteScan.scan(new DMatrixRMaj(1, n, true, d));
            assertEquals(naive, st.allFinite());
            assertEquals(first, st.firstBadIndex());
            assertEquals(nan, st.nanCount());
            assertEquals(pos, st.posInfCount());
            assertEquals(neg, st.negInfCount());
            if (min <= max) {
                // delta 0: equal as numbers, so 0.0 and -0.0 tie as they do for the scan's comparisons
                assertEquals(min, st.min(), 0.0);
                assertEquals(max, st.max(), 0.0);
            } else {
                assertTrue(Double.isNaN(st.min()) && Double.isNaN(st.max()));
            }
        });
    }
}
