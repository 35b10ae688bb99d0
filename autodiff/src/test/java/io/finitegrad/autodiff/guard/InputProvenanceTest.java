package io.finitegrad.autodiff.guard;

import static io.finitegrad.autodiff.guard.Guarded.assertEntry;
import static io.finitegrad.autodiff.guard.Guarded.throwing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.FiniteGuard;
import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Provenance;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.op.Phase;
import io.finitegrad.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An input that carries its {@link Provenance} is reported by where its bad element came from in
 * the data (source row, file line, feature), not only by its place in a shuffled batch.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the nodes created inside
class InputProvenanceTest {
    private static final List<String> IRIS = List.of("sepal_length", "sepal_width", "petal_length", "petal_width");

    /** 60 rows of a CSV file with a header on line 1 and a blank line after row 9, so lines are not row + 2 throughout. */
    private static Provenance irisFile() {
        int[] lines = new int[60];
        for (int i = 0; i < lines.length; i++) lines[i] = i + 2 + (i >= 10 ? 1 : 0);
        return Provenance.ofFile("iris.csv", lines, IRIS);
    }

    /** A batch of 4 rows, shuffled rows 12, 57, 3, 40 of the file; the NaN is in row 57's petal_width. */
    private static Tensor batchWithNaN() {
        return Tensor.of(new double[][] {{5, 3, 1, 0.2}, {6, 3, 4, Double.NaN}, {5, 3, 1, 0.3}, {6, 2, 4, 1.3}});
    }

    @Test
    void aNaNInABatchIsReportedByItsSourceRowFileLineAndFeature() {
        Provenance batch = irisFile().select(new int[] {12, 57, 3, 40});
        NanReport r = throwing(() -> Var.input("x", batchWithNaN(), batch));
        assertEntry(r, Phase.FORWARD, "input", "x", Cause.NON_FINITE_INPUT);
        assertEquals(1, r.row());
        assertEquals(3, r.col());
        assertEquals("row 58 of iris.csv (line 60), feature 'petal_width'", r.origin());
        assertTrue(r.detail().contains("first at (1, 3) = NaN, from row 58 of iris.csv (line 60), feature 'petal_width'"), r.detail());
        assertTrue(r.toString().contains("row 58 of iris.csv (line 60)"), r.toString());
        assertTrue(r.toJson().contains("\"origin\" : \"row 58 of iris.csv (line 60), feature 'petal_width'\""), r.toJson());
    }

    @Test
    void rowsOfADatasetBuiltFromArraysAreNamedByTheDataset() {
        Provenance p = Provenance.of("train", 10, List.of("a", "b")).select(new int[] {9, 4}).select(new int[] {1, 0});
        Tensor x = Tensor.of(new double[][] {{1, Double.POSITIVE_INFINITY}, {3, 4}});
        NanReport r = throwing(() -> Var.input("x", x, p));
        assertEquals("row 5 of train, feature 'b'", r.origin());
    }

    @Test
    void anInputWithoutProvenanceHasNoOrigin() {
        NanReport r = throwing(() -> Var.input("x", Tensor.of(new double[][] {{1, Double.NaN}})));
        assertNull(r.origin());
        assertTrue(r.detail().endsWith("first at (0, 1) = NaN"), r.detail());
    }

    @Test
    void aReportMadeWhenALaterScopeReadsTheBadInputStillNamesItsOrigin() {
        Provenance batch = irisFile().select(new int[] {12, 57, 3, 40});
        Var x;
        try (FiniteGuard.Scope first = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            x = Var.input("x", batchWithNaN(), batch);
            assertEquals(1, first.reports().size());
        }
        Var input = x;
        NanReport again = throwing(() -> input.sum());
        assertEntry(again, Phase.FORWARD, "input", "x", Cause.NON_FINITE_INPUT);
        assertEquals("row 58 of iris.csv (line 60), feature 'petal_width'", again.origin());
    }

    @Test
    void aFiniteInputWithProvenanceIsNotReported() {
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.WARN)) {
            Var.input("x", Tensor.of(new double[][] {{1, 2, 3, 4}}), irisFile().select(new int[] {5})).sum();
            assertTrue(g.reports().isEmpty());
        }
    }

    @Test
    void provenanceThatDoesNotFitTheInputIsRefusedNamingBoth() {
        Provenance three = irisFile().select(new int[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Var.input("x", batchWithNaN(), three));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("4 rows") && e.getMessage().contains("3 rows"),
                e.getMessage());
        IllegalArgumentException cols = assertThrows(IllegalArgumentException.class,
                () -> Var.input("x", Tensor.zeros(1, 3), irisFile().select(new int[] {0})));
        assertTrue(cols.getMessage().contains("3 columns") && cols.getMessage().contains("4 column names"), cols.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Var.input("x", Tensor.zeros(1, 4), null));
    }

    @Test
    void aNonFiniteExceptionFromTheInputCarriesTheOriginInItsMessage() {
        Provenance batch = irisFile().select(new int[] {12, 57, 3, 40});
        try (FiniteGuard.Scope g = FiniteGuard.mode(FiniteGuard.Mode.THROW)) {
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> Var.input("x", batchWithNaN(), batch));
            assertTrue(e.getMessage().contains("row 58 of iris.csv (line 60), feature 'petal_width'"), e.getMessage());
        }
    }
}
