package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void selectRowsCopiesTheNamedRowsInOrder() {
        Tensor t = Tensor.of(new double[][] {{1, 2}, {3, 4}, {5, 6}});
        Tensor s = t.selectRows(new int[] {2, 0, 2});
        assertEquals(Tensor.of(new double[][] {{5, 6}, {1, 2}, {5, 6}}), s);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.selectRows(new int[] {1, 3}));
        assertEquals("Tensor.selectRows: row 3 outside [0, 3)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.selectRows(new int[0]));
    }

    @Test
    void elementCountsAreComparedWithTheLimitWithoutOverflow() {
        assertFalse(Tensor.exceedsMaxElements(1, Tensor.MAX_ELEMENTS));
        assertTrue(Tensor.exceedsMaxElements(1, Tensor.MAX_ELEMENTS + 1L));
        assertFalse(Tensor.exceedsMaxElements(46340, 46340)); // 2147395600, just below the limit
        assertTrue(Tensor.exceedsMaxElements(65536, 65536)); // 2^32, which an int multiply wraps to 0
        assertTrue(Tensor.exceedsMaxElements(Long.MAX_VALUE, Long.MAX_VALUE), "a long multiply would wrap too");
        assertFalse(Tensor.exceedsMaxElements(0, Long.MAX_VALUE), "no elements");
        assertFalse(Tensor.exceedsMaxElements(-1, 5), "a negative size is refused by its caller, not counted");
    }


    private static final double[][] TWO_BY_THREE = {{1, 2, 3}, {4, 5, 6}};

    @Test
    void factoriesProduceTheRequestedShapeAndValues() {
        Tensor a = Tensor.of(TWO_BY_THREE);
        assertEquals(2, a.rows());
        assertEquals(3, a.cols());
        assertEquals(6, a.size());
        assertEquals("2x3", a.shape());
        assertEquals(6.0, a.get(1, 2));
        assertEquals(2.0, a.get(0, 1));

        assertEquals(a, Tensor.of(2, 3, 1, 2, 3, 4, 5, 6));
        assertEquals(a, Tensor.of(new DMatrixRMaj(TWO_BY_THREE)));

        Tensor row = Tensor.row(7, 8, 9);
        assertEquals("1x3", row.shape());
        assertEquals(9.0, row.get(0, 2));
        Tensor col = Tensor.column(7, 8, 9);
        assertEquals("3x1", col.shape());
        assertEquals(9.0, col.get(2, 0));

        assertEquals("1x1", Tensor.scalar(-2.5).shape());
        assertEquals(-2.5, Tensor.scalar(-2.5).item());

        assertArrayEquals(new double[6], Tensor.zeros(2, 3).toFlatArray());
        assertArrayEquals(new double[] {1, 1, 1, 1}, Tensor.ones(2, 2).toFlatArray());
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, Tensor.full(3, 1, 0.5).toFlatArray());
        assertEquals("3x1", Tensor.full(3, 1, 0.5).shape());
    }

    @Test
    void factoriesCopyTheirInput() {
        double[][] rows = {{1, 2}, {3, 4}};
        double[] flat = {1, 2, 3, 4};
        DMatrixRMaj m = new DMatrixRMaj(rows);
        Tensor fromRows = Tensor.of(rows);
        Tensor fromFlat = Tensor.of(2, 2, flat);
        Tensor fromMatrix = Tensor.of(m);
        Tensor fromRow = Tensor.row(flat);
        rows[0][0] = 99;
        flat[0] = 99;
        m.set(0, 0, 99);
        assertEquals(1.0, fromRows.get(0, 0));
        assertEquals(1.0, fromFlat.get(0, 0));
        assertEquals(1.0, fromMatrix.get(0, 0));
        assertEquals(1.0, fromRow.get(0, 0));
    }

    @Test
    void accessorsReturnCopies() {
        Tensor t = Tensor.of(TWO_BY_THREE);
        double[][] arr = t.toArray();
        arr[1][2] = -1;
        double[] flat = t.toFlatArray();
        flat[0] = -1;
        DMatrixRMaj m = t.toMatrix();
        m.set(0, 1, -1);
        assertEquals(Tensor.of(TWO_BY_THREE), t);
        assertArrayEquals(TWO_BY_THREE[1], t.toArray()[1]);
        assertEquals(2, m.numRows);
        assertEquals(3, m.numCols);
    }

    @Test
    void mapAppliesToEveryElementAndLeavesTheSourceAlone() {
        Tensor t = Tensor.of(TWO_BY_THREE);
        Tensor doubled = t.map(x -> 2 * x);
        assertArrayEquals(new double[] {2, 4, 6, 8, 10, 12}, doubled.toFlatArray());
        assertEquals(Tensor.of(TWO_BY_THREE), t);
    }

    @Test
    void itemOnANonScalarNamesTheShape() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.of(TWO_BY_THREE).item());
        assertTrue(e.getMessage().contains("2x3"), e.getMessage());
        assertTrue(e.getMessage().contains("1x1"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> Tensor.row(1, 2).item());
    }

    @Test
    void getOutsideTheShapeNamesIndexAndShape() {
        Tensor t = Tensor.of(TWO_BY_THREE);
        for (int[] rc : new int[][] {{2, 0}, {0, 3}, {-1, 0}, {0, -1}}) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.get(rc[0], rc[1]));
            assertTrue(e.getMessage().contains("2x3"), e.getMessage());
            assertTrue(e.getMessage().contains(rc[0] + ", " + rc[1]), e.getMessage());
        }
    }

    @Test
    void raggedRowsNameTheOffendingRow() {
        double[][] ragged = {{1, 2, 3}, {4, 5, 6}, {7, 8}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(ragged));
        assertTrue(e.getMessage().contains("row 2"), e.getMessage());
        assertTrue(e.getMessage().contains("3 columns"), e.getMessage());
    }

    @Test
    void nullAndEmptyRowsNameTheOffendingRow() {
        IllegalArgumentException nullRow = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new double[][] {{1, 2}, null}));
        assertTrue(nullRow.getMessage().contains("row 1"), nullRow.getMessage());
        assertTrue(nullRow.getMessage().contains("null"), nullRow.getMessage());

        IllegalArgumentException firstNull = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new double[][] {null, {1}}));
        assertTrue(firstNull.getMessage().contains("row 0"), firstNull.getMessage());

        IllegalArgumentException emptyRow = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new double[][] {{}}));
        assertTrue(emptyRow.getMessage().contains("row 0"), emptyRow.getMessage());

        IllegalArgumentException laterEmpty = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new double[][] {{1}, {}}));
        assertTrue(laterEmpty.getMessage().contains("row 1"), laterEmpty.getMessage());
    }

    @Test
    void nullOrEmptyArraysAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of((double[][]) null));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[0][]));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of((DMatrixRMaj) null));
        assertThrows(IllegalArgumentException.class, () -> Tensor.row());
        assertThrows(IllegalArgumentException.class, () -> Tensor.column((double[]) null));
    }

    @Test
    void badShapesNameTheShape() {
        IllegalArgumentException zeros = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0, 3));
        assertTrue(zeros.getMessage().contains("0x3"), zeros.getMessage());
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class, () -> Tensor.full(2, -1, 1));
        assertTrue(full.getMessage().contains("2x-1"), full.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> Tensor.of(2, 3, 1, 2, 3));
        assertTrue(count.getMessage().contains("2x3"), count.getMessage());
        assertTrue(count.getMessage().contains("got 3"), count.getMessage());
    }

    @Test
    void shapesBeyondAnArrayAreRefusedWithTheirElementCountNotANegativeArraySize() {
        IllegalArgumentException zeros = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(100_000, 100_000));
        assertTrue(zeros.getMessage().contains("100000x100000") && zeros.getMessage().contains("10000000000 elements"),
                zeros.getMessage());
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class, () -> Tensor.full(4, 2_000_000_000, 1));
        assertTrue(full.getMessage().contains("8000000000 elements"), full.getMessage());
        IllegalArgumentException of = assertThrows(IllegalArgumentException.class, () -> Tensor.of(65_536, 65_536, 1, 2));
        assertTrue(of.getMessage().contains("4294967296 elements"), of.getMessage());
    }

    @Test
    void equalityIsShapePlusBitIdenticalValues() {
        Tensor a = Tensor.of(2, 2, 1, Double.NaN, Double.POSITIVE_INFINITY, 4);
        Tensor b = Tensor.of(2, 2, 1, Double.NaN, Double.POSITIVE_INFINITY, 4);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a, a);
        // same values, other shape
        assertNotEquals(Tensor.of(2, 2, 1, 2, 3, 4), Tensor.of(1, 4, 1, 2, 3, 4));
        assertNotEquals(Tensor.of(2, 2, 1, 2, 3, 4), Tensor.of(2, 2, 1, 2, 3, 5));
        // bit identity, as documented: -0.0 and 0.0 differ
        assertNotEquals(Tensor.scalar(0.0), Tensor.scalar(-0.0));
        assertNotEquals(Tensor.scalar(1), null);
        assertFalse(Tensor.scalar(1).equals("1x1"));
    }

    @Test
    void toStringShowsShapeAndValues() {
        assertEquals("Tensor 1x3 [[1.0, 2.0, 3.0]]", Tensor.row(1, 2, 3).toString());
        String s = Tensor.of(TWO_BY_THREE).toString();
        assertTrue(s.startsWith("Tensor 2x3"), s);
        assertTrue(s.contains("[1.0, 2.0, 3.0]"), s);
        assertTrue(s.contains("[4.0, 5.0, 6.0]"), s);
        assertFalse(s.contains("..."), s);
        assertTrue(Tensor.scalar(Double.NaN).toString().contains("NaN"));
    }

    @Test
    void toStringElidesTheMiddleOfLargeTensors() {
        int n = 100;
        double[][] v = new double[n][n];
        for (int r = 0; r < n; r++) for (int c = 0; c < n; c++) v[r][c] = r * 1000 + c;
        String s = Tensor.of(v).toString();
        assertAll(
                () -> assertTrue(s.startsWith("Tensor 100x100"), s),
                () -> assertTrue(s.contains("..."), s),
                () -> assertTrue(s.contains("0.0, 1.0, 2.0, 3.0, ..., 96.0, 97.0, 98.0, 99.0"), s),
                () -> assertTrue(s.contains("99099.0"), "last element shown: " + s),
                () -> assertFalse(s.contains("50050.0"), "middle element must be elided: " + s),
                () -> assertFalse(s.contains("4000.0"), "row 4 must be elided: " + s),
                () -> assertTrue(s.length() < 1000, "length " + s.length()),
                () -> assertTrue(s.lines().count() <= 10, s));
    }

    @Test
    void isFiniteAndScanSeeEveryElement() {
        assertTrue(Tensor.of(TWO_BY_THREE).isFinite());
        Tensor bad = Tensor.of(2, 3, 1, 2, 3, 4, 5, Double.NEGATIVE_INFINITY);
        assertFalse(bad.isFinite());
        FiniteStats st = bad.scan();
        assertEquals(1, st.negInfCount());
        assertEquals(1, st.firstBadRow());
        assertEquals(2, st.firstBadCol());
    }
}
