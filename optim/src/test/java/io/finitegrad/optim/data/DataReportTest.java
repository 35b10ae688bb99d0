package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DataReportTest {

    @Test
    void flagsConstantScaleOutlierNonFiniteAndMissingWithRemedies() throws IOException {
        Random rng = new Random(3);
        StringBuilder csv = new StringBuilder("small,big,const,spiky,holes,label\n");
        for (int i = 0; i < 100; i++) {
            double small = rng.nextGaussian();
            double big = 1e5 * rng.nextGaussian();
            double spiky = i == 50 ? 1000 : rng.nextGaussian();
            String holes = i == 7 ? "" : i == 8 ? "NaN" : i == 9 ? "oops" : Double.toString(rng.nextGaussian());
            csv.append(small).append(',').append(big).append(",4.2,").append(spiky).append(',').append(holes)
                    .append(',').append(i < 80 ? "a" : "b").append('\n');
        }
        DataReport r = DataReport.of(new StringReader(csv.toString()), "t.csv", CsvOptions.label("label"));
        assertEquals(100, r.rows());
        assertEquals(List.of("const"), columnsOf(r, DataReport.Kind.CONSTANT));
        assertEquals(List.of("big"), columnsOf(r, DataReport.Kind.SCALE));
        assertEquals(List.of("spiky"), columnsOf(r, DataReport.Kind.OUTLIERS));
        assertEquals(List.of("holes"), columnsOf(r, DataReport.Kind.NON_FINITE));
        assertEquals(List.of("holes"), columnsOf(r, DataReport.Kind.MISSING));
        assertEquals(List.of("label"), columnsOf(r, DataReport.Kind.CLASS_IMBALANCE));
        assertEquals(Map.of("a", 80, "b", 20), r.classCounts());
        DataReport.ColumnStats holes = r.columns().get(4);
        assertEquals(1, holes.nonFinite());
        assertEquals(2, holes.missing());
        assertEquals(4.2, r.columns().get(2).mean(), 1e-12);
        assertEquals(1, r.columns().get(3).outliers());
        assertTrue(r.findings(DataReport.Kind.CONSTANT).get(0).remedy().contains("divides by zero"));
        assertTrue(r.findings(DataReport.Kind.SCALE).get(0).remedy().contains("StandardScaler"));
        assertTrue(r.findings(DataReport.Kind.NON_FINITE).get(0).remedy().contains("DROP_ROW"));
        String table = r.toString();
        assertTrue(table.contains("Data check: t.csv, 100 rows, 5 feature columns"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("const ") && l.contains("4.2000")), table);
        assertTrue(table.contains("remedy: "), table);
    }

    @Test
    void aLoadedDatasetIsCheckedUnderItsFileAndLabelColumnNames() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("flowers", ".csv");
        try {
            java.nio.file.Files.writeString(file, "a,b,species\n1,2,x\n3,4,y\n5,6,x\n");
            Dataset d = Csv.read(file, CsvOptions.label("species"));
            String table = DataReport.of(d, "species").toString();
            assertTrue(table.startsWith("Data check: " + file.getFileName() + ", 3 rows"), table);
            assertTrue(table.contains("classes of 'species':"), table);
            // without the column's name the file is still named
            assertTrue(DataReport.of(d).toString().startsWith("Data check: " + file.getFileName() + ","), DataReport.of(d).toString());
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void cleanIrisHasNoFindings() {
        DataReport r = DataReport.of(Datasets.iris());
        assertTrue(r.clean(), r.toString());
        assertEquals(Map.of("setosa", 50, "versicolor", 50, "virginica", 50), r.classCounts());
        assertEquals(4.3, r.columns().get(0).min(), 0);
        assertEquals(7.9, r.columns().get(0).max(), 0);
        assertTrue(r.toString().contains("No problems found."));
    }

    @Test
    void datasetWithHugeColumnIsFlaggedForScale() {
        Dataset iris = Datasets.iris();
        Tensor x = iris.features();
        double[][] a = x.toArray();
        for (double[] row : a) row[2] *= 10_000;
        DataReport r = DataReport.of(iris.withFeatures(Tensor.of(a)));
        assertEquals(List.of("petal_length"), columnsOf(r, DataReport.Kind.SCALE));
    }

    @Test
    void rawIrisIsAtUnitScaleButIrisTimesTenThousandIsFlaggedWithStandardScaler() {
        Dataset iris = Datasets.iris();
        assertTrue(DataReport.of(iris).findings(DataReport.Kind.UNIT_SCALE).isEmpty());
        DataReport r = DataReport.of(iris.withFeatures(iris.features().map(v -> v * 10_000)));
        assertEquals(iris.featureNames(), columnsOf(r, DataReport.Kind.UNIT_SCALE));
        DataReport.Finding f = r.findings(DataReport.Kind.UNIT_SCALE).get(3);
        assertTrue(f.message().contains("column 'petal_width'") && f.message().contains("far from unit scale"), f.message());
        assertTrue(f.remedy().contains("StandardScaler"), f.remedy());
        assertTrue(columnsOf(r, DataReport.Kind.SCALE).isEmpty(), "the columns still agree with each other");
        assertTrue(!r.clean() && !r.toString().contains("No problems found."), r.toString());
    }

    @Test
    void tinyFeaturesAreFlaggedToo() {
        Dataset iris = Datasets.iris();
        DataReport r = DataReport.of(iris.withFeatures(iris.features().map(v -> v * 1e-4)));
        assertEquals(iris.featureNames(), columnsOf(r, DataReport.Kind.UNIT_SCALE));
        assertTrue(r.findings(DataReport.Kind.UNIT_SCALE).get(0).message().contains("standard deviation"));
    }

    @Test
    void aLargeOffsetWithASmallSpreadIsFlaggedByItsMagnitude() {
        double[] years = new double[40];
        for (int i = 0; i < years.length; i++) years[i] = 1980 + i % 7;
        DataReport r = DataReport.of(Dataset.of(Tensor.column(years), Tensor.column(years)));
        assertEquals(List.of("x0"), columnsOf(r, DataReport.Kind.UNIT_SCALE));
        assertTrue(r.findings(DataReport.Kind.UNIT_SCALE).get(0).message().contains("max |x| 1986"),
                r.findings(DataReport.Kind.UNIT_SCALE).get(0).message());
    }

    @Test
    void aNonFiniteFindingNamesTheRowAndLineOfTheFirstBadCell() throws IOException {
        String csv = "a,b\n1,2\n,3\n4,5\n6,inf\n7,NaN\n";
        DataReport r = DataReport.of(new StringReader(csv), "t.csv", CsvOptions.targets("b").ignore("b"));
        assertEquals(List.of("a"), columnsOf(r, DataReport.Kind.MISSING));
        assertTrue(columnsOf(r, DataReport.Kind.NON_FINITE).isEmpty(), "a missing cell is not a NaN cell");
        DataReport withB = DataReport.of(new StringReader(csv), "t.csv", CsvOptions.targets("a"));
        DataReport.Finding f = withB.findings(DataReport.Kind.NON_FINITE).get(0);
        assertEquals("b", f.column());
        assertTrue(f.message().contains("2 NaN/Inf cell(s), the first in row 4 of t.csv (line 5)"), f.message());
    }

    @Test
    void aNonFiniteFindingOnADatasetNamesTheSourceRowOfTheSubset() {
        Tensor x = Tensor.of(new double[][] {{1, 2}, {3, 4}, {5, Double.NaN}, {7, 8}});
        Dataset d = Dataset.of(x, Tensor.column(0, 1, 2, 3)).named("xs").subset(new int[] {3, 2, 0});
        DataReport.Finding f = DataReport.of(d).findings(DataReport.Kind.NON_FINITE).get(0);
        assertEquals("x1", f.column());
        assertTrue(f.message().contains("the first in row 3 of xs"), f.message());
    }

    private static List<String> columnsOf(DataReport r, DataReport.Kind k) {
        return r.findings(k).stream().map(DataReport.Finding::column).toList();
    }
}
