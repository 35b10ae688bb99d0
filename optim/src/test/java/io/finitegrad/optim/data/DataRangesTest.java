package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Interval;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataRangesTest {
    private static final Dataset SMALL = Dataset.of(Tensor.of(new double[][] {{1, -2}, {3, 5}, {2, 0}}),
            Tensor.column(0.5, -1, 4));

    @Test
    void everyRowOfTheBatchSpansEachColumnsMinAndMax() {
        Interval x = DataRanges.features(SMALL, 4);
        assertEquals(4, x.rows());
        assertEquals(2, x.cols());
        for (int r = 0; r < 4; r++) {
            assertEquals(1, x.lo(r, 0));
            assertEquals(3, x.hi(r, 0));
            assertEquals(-2, x.lo(r, 1));
            assertEquals(5, x.hi(r, 1));
        }
        assertTrue(x.isFinite());
        // every row of the data lies in every row of the box
        for (int r = 0; r < SMALL.size(); r++) {
            for (int c = 0; c < 2; c++) assertTrue(x.contains(c, SMALL.features().get(r, c)));
        }
        Interval y = DataRanges.targets(SMALL, 2);
        assertEquals(-1, y.lo(1, 0));
        assertEquals(4, y.hi(1, 0));
    }

    @Test
    void aFactorWidensAboutTheMidpointAndNeverShrinks() {
        Interval x = DataRanges.features(SMALL, 1, 2);
        // column 0: [1, 3], midpoint 2, radius 1 -> [0, 4] (rounded outward)
        assertTrue(x.lo(0, 0) <= 0 && x.lo(0, 0) > -1e-12, "" + x);
        assertTrue(x.hi(0, 0) >= 4 && x.hi(0, 0) < 4 + 1e-12, "" + x);
        assertTrue(x.lo(0, 1) <= -5.5 && x.hi(0, 1) >= 8.5, "" + x);
        Interval same = DataRanges.features(SMALL, 1, 1);
        assertEquals(1, same.lo(0, 0));
        assertEquals(3, same.hi(0, 0));
    }

    @Test
    void aNaNCellMakesTheBoxAdmitNaNAndAnInfiniteCellItsEnd() {
        Dataset bad = Dataset.of(Tensor.of(new double[][] {{1, Double.NaN}, {2, 7}, {Double.POSITIVE_INFINITY, 8}}),
                Tensor.column(0, 0, 0));
        Interval x = DataRanges.features(bad, 2);
        assertTrue(x.mayBeNaN());
        assertFalse(x.isFinite());
        assertEquals(7, x.lo(0, 1));
        assertEquals(8, x.hi(0, 1));
        assertEquals(Double.POSITIVE_INFINITY, x.hi(1, 0));
        assertTrue(x.contains(Tensor.of(new double[][] {{2, Double.NaN}, {1, 7}}).toMatrix()));
        Dataset allNaN = Dataset.of(Tensor.column(Double.NaN, Double.NaN), Tensor.column(0, 0));
        Interval n = DataRanges.features(allNaN, 1);
        assertEquals(Double.NEGATIVE_INFINITY, n.lo(0));
        assertEquals(Double.POSITIVE_INFINITY, n.hi(0));
        assertTrue(n.mayBeNaN());
    }

    @Test
    void classificationTargetsAreOneHotColumns() {
        Dataset iris = Datasets.iris();
        Interval y = DataRanges.targets(iris, 16);
        assertEquals(16, y.rows());
        assertEquals(3, y.cols());
        for (int k = 0; k < y.size(); k++) {
            assertEquals(0, y.lo(k));
            assertEquals(1, y.hi(k));
        }
        Interval x = DataRanges.features(iris, 16);
        assertEquals(4, x.cols());
        assertEquals(List.of(4.3, 7.9), List.of(x.lo(0), x.hi(0)));
    }

    @Test
    void refusesWhatIsNoRange() {
        assertThrows(IllegalArgumentException.class, () -> DataRanges.features(null, 1));
        assertThrows(IllegalArgumentException.class, () -> DataRanges.features(SMALL, 0));
        assertThrows(IllegalArgumentException.class, () -> DataRanges.features(SMALL, 1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> DataRanges.features(SMALL, 1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> DataRanges.columns(null, 1, 1));
    }
}
