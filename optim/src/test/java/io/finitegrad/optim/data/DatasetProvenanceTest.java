package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.finitegrad.autodiff.Provenance;
import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A dataset knows where each of its rows came from (a file row and line, or a row of the arrays it
 * was built from), and keeps that through split, subset, scaling, one-hot encoding and batching.
 */
class DatasetProvenanceTest {

    /** Every row of {@code part} equals the row of {@code whole} its provenance names. */
    private static void assertRowsTraceBack(Dataset whole, Dataset part) {
        Provenance p = part.provenance();
        assertEquals(part.size(), p.size());
        for (int i = 0; i < part.size(); i++) {
            int src = p.sourceRow(i);
            for (int j = 0; j < part.features().cols(); j++) {
                assertEquals(whole.features().get(src, j), part.features().get(i, j), "row " + i + " from source row " + src);
            }
        }
    }

    @Test
    void aDatasetBuiltFromArraysNamesItsRowsByTheDataset() {
        Dataset d = Dataset.of(Tensor.of(new double[][] {{1, 2}, {3, 4}}), Tensor.column(0, 1));
        assertEquals("row 2 of the dataset, feature 'x1'", d.provenance().describe(1, 1));
        Dataset named = d.named("train");
        assertEquals("row 2 of train, feature 'x1'", named.provenance().describe(1, 1));
        assertEquals(List.of("x0", "x1"), named.provenance().columns());
        assertThrows(IllegalArgumentException.class, () -> d.named(" "));
    }

    @Test
    void irisRowsKnowTheirFileLines() {
        Dataset iris = Datasets.iris();
        Provenance p = iris.provenance();
        assertEquals("iris.csv", p.source());
        assertEquals(iris.featureNames(), p.columns());
        assertEquals(2, p.line(0), "the header is line 1");
        assertEquals("row 150 of iris.csv (line 151), feature 'petal_width'", p.describe(149, 3));
    }

    @Test
    void splitSubsetScalingAndOneHotKeepEachRowsSource() {
        Dataset iris = Datasets.iris();
        Dataset.Split s = iris.split(0.2, 7, true);
        assertRowsTraceBack(iris, s.train());
        assertRowsTraceBack(iris, s.test());
        Dataset sub = s.train().subset(new int[] {5, 0, 5});
        assertRowsTraceBack(iris, sub);
        assertEquals(s.train().provenance().sourceRow(5), sub.provenance().sourceRow(2));
        StandardScaler scaler = new StandardScaler();
        scaler.fit(s.train());
        Dataset scaled = scaler.transform(s.test());
        assertSame(s.test().provenance(), scaled.provenance());
        assertSame(s.test().provenance(), s.test().oneHot().provenance());
    }

    @Test
    void everyBatchCarriesTheSourceRowsOfItsShuffledRows() {
        Dataset iris = Datasets.iris();
        Dataset train = iris.split(0.3, 1, true).train();
        List<Dataset.Batch> batches = train.batches(16, new Random(4));
        int seen = 0;
        for (Dataset.Batch b : batches) {
            Provenance p = b.provenance();
            assertEquals(b.features().rows(), p.size());
            for (int i = 0; i < p.size(); i++) {
                assertArrayEquals(row(iris.features(), p.sourceRow(i)), row(b.features(), i), "batch " + b.index() + " row " + i);
                assertEquals(p.sourceRow(i) + 2, p.line(i));
            }
            seen += p.size();
        }
        assertEquals(train.size(), seen);
    }

    /**
     * Whatever blank lines a file has, and however it is split and batched, every row of every
     * batch traces back to the file row it holds and that row's line. Row i holds i, so the value
     * says which row it is.
     */
    @Test
    void everyBatchRowTracesBackToItsFileRowAndLine() {
        qt().withExamples(Integer.getInteger("QT_EXAMPLES", 100))
                .forAll(lists().of(integers().between(0, 2)).ofSizeBetween(4, 60), longs().between(0, 1000), integers().between(1, 9))
                .checkAssert((blanks, seed, batchSize) -> {
                    StringBuilder csv = new StringBuilder("id,twice\n");
                    int[] lineOf = new int[blanks.size()];
                    int line = 1;
                    for (int i = 0; i < blanks.size(); i++) {
                        for (int b = 0; b < blanks.get(i); b++, line++) csv.append('\n');
                        lineOf[i] = ++line;
                        csv.append(i).append(',').append(2 * i).append('\n');
                    }
                    Dataset d;
                    try {
                        d = Csv.read(new StringReader(csv.toString()), "ids.csv", CsvOptions.targets("twice"));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    Dataset train = d.split(0.25, seed, false).train();
                    for (Dataset.Batch b : train.batches(batchSize, new Random(seed))) {
                        for (int i = 0; i < b.features().rows(); i++) {
                            int id = (int) b.features().get(i, 0);
                            assertEquals(id, b.provenance().sourceRow(i));
                            assertEquals(lineOf[id], b.provenance().line(i), "row " + id);
                        }
                    }
                });
    }

    @Test
    void csvRowsCountOnlyDataButLinesCountBlankAndDroppedOnes() throws IOException {
        String text = "a,b,y\n1,2,3\n\n4,NA,6\n7,8,9\n";
        Dataset d = Csv.read(new StringReader(text), "t.csv", CsvOptions.targets("y").badCells(BadCellPolicy.DROP_ROW));
        assertEquals(2, d.size());
        assertEquals("row 2 of t.csv (line 5), feature 'b'", d.provenance().describe(1, 1));
    }

    @Test
    void aScalerFittedOnDataWithANaNNamesTheRowLineAndFeature() throws IOException {
        String text = "a,b,y\n1,2,0\n3,4,1\n5,NaN,2\n";
        Dataset d = Csv.read(new StringReader(text), "t.csv", CsvOptions.targets("y").badCells(BadCellPolicy.KEEP_NON_FINITE));
        Dataset shuffled = d.subset(new int[] {2, 0, 1});
        for (Scaler s : List.of(new StandardScaler(), new MinMaxScaler())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.fit(shuffled));
            assertTrue(e.getMessage().contains("cell (0, 1) is NaN: row 3 of t.csv (line 4), feature 'b'"), e.getMessage());
        }
    }

    @Test
    void provenanceThatDoesNotFitIsRefused() {
        Dataset d = Dataset.of(Tensor.column(1, 2), Tensor.column(0, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.withProvenance(Provenance.of("other", 3, List.of("x0"))));
        assertTrue(e.getMessage().contains("3 rows") && e.getMessage().contains("2 rows"), e.getMessage());
        assertEquals("row 2 of other", d.withProvenance(Provenance.of("other", 2, List.of())).provenance().describe(1, -1));
    }

    private static double[] row(Tensor t, int r) {
        double[] out = new double[t.cols()];
        for (int j = 0; j < out.length; j++) out[j] = t.get(r, j);
        return out;
    }
}
