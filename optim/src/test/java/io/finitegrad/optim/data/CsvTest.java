package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    private static final String HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n";

    private static Dataset read(String text, CsvOptions o) throws IOException {
        return Csv.read(new StringReader(text), "iris.csv", o);
    }

    private static CsvFormatException fails(String text, CsvOptions o) {
        return assertThrows(CsvFormatException.class, () -> read(text, o));
    }

    @Test
    void nonNumericCellIsReportedWithFileLineAndColumn() {
        String text = HEADER + "5.1,3.5,1.4,0.2,setosa\n" + "4.9,3.0,abc,0.2,setosa\n";
        CsvFormatException e = fails(text, CsvOptions.label("species"));
        assertTrue(e.getMessage().startsWith("iris.csv:3:3: column 'petal_length': 'abc' is not a number"), e.getMessage());
        assertEquals(3, e.line());
        assertEquals(3, e.column());
        assertEquals("iris.csv", e.source());
    }

    @Test
    void missingNaNAndInfinityCellsFailByDefault() {
        CsvOptions o = CsvOptions.label("species");
        assertTrue(fails(HEADER + "5.1,,1.4,0.2,setosa\n", o).getMessage()
                .startsWith("iris.csv:2:2: column 'sepal_width': missing value"));
        assertTrue(fails(HEADER + "5.1,3,1.4,NaN,setosa\n", o).getMessage()
                .startsWith("iris.csv:2:4: column 'petal_width': 'NaN' is not a finite number"));
        assertTrue(fails(HEADER + "5.1,3,1.4,0.2,setosa\n-Infinity,3,1,1,setosa\n", o).getMessage()
                .startsWith("iris.csv:3:1: column 'sepal_length': '-Infinity' is not a finite number"));
        assertTrue(fails(HEADER + "1e999,3,1,1,setosa\n", o).getMessage().contains("'1e999' is not a finite number"));
        String label = fails(HEADER + "5.1,3,1.4,0.2,\n", o).getMessage();
        assertTrue(label.startsWith("iris.csv:2:5: column 'species': missing label"), label);
        // a class cannot be imputed: the hint offers only what can handle a missing label
        assertTrue(label.contains("DROP_ROW") && !label.contains("IMPUTE_MEAN"), label);
        assertTrue(fails(HEADER + "0x1p3,3,1.4,0.2,a\n", o).getMessage().contains("'0x1p3' is not a number"));
    }

    @Test
    void malformedFilesAreRefusedWithTheLine() {
        CsvOptions o = CsvOptions.label("species");
        assertTrue(fails(HEADER + "5.1,3.5,1.4,setosa\n", o).getMessage()
                .startsWith("iris.csv:2:0: expected 5 fields as in the header, found 4"));
        assertTrue(fails(HEADER + "5.1,3.5,1.4,0.2,\"setosa\n", o).getMessage().contains("unterminated quoted field"));
        assertTrue(fails(HEADER + "5,3,1,0,a\n", CsvOptions.label("class")).getMessage().contains("no label column 'class'"));
        assertTrue(fails("", o).getMessage().contains("the file is empty"));
        assertTrue(fails("a,a\n1,2\n", CsvOptions.targets("a")).getMessage().contains("duplicate column name 'a'"));
    }

    @Test
    void quotedFieldsFollowRfc4180() throws IOException {
        String text = "\"x, first\",y,name\r\n" + "\"1.5\",2,\"plain\"\r\n" + "3,4,\"with \"\"quotes\"\", commas,\nand a newline\"\r\n"
                + "\n" + "5,6,plain\r\n";
        Dataset d = read(text, CsvOptions.label("name"));
        assertEquals(List.of("x, first", "y"), d.featureNames());
        assertEquals(List.of("plain", "with \"quotes\", commas,\nand a newline"), d.classNames());
        assertEquals(Tensor.of(new double[][] {{1.5, 2}, {3, 4}, {5, 6}}), d.features());
        assertEquals(Tensor.column(0, 1, 0), d.targets());
        // the quoted newline ends line 3, the blank line 5 is skipped: the record is on line 6
        CsvFormatException e = fails(text.replace("5,6", "5,x"), CsvOptions.label("name"));
        assertTrue(e.getMessage().startsWith("iris.csv:6:2: column 'y': 'x' is not a number"), e.getMessage());
    }

    @Test
    void dropRowAndImputeMeanPolicies() throws IOException {
        String text = "a,b,y\n1,10,0\n,20,1\n3,NaN,2\n5,30,3\n";
        Dataset dropped = read(text, CsvOptions.targets("y").badCells(BadCellPolicy.DROP_ROW));
        assertEquals(Tensor.of(new double[][] {{1, 10}, {5, 30}}), dropped.features());
        assertEquals(Tensor.column(0, 3), dropped.targets());
        Dataset imputed = read(text, CsvOptions.targets("y").badCells(BadCellPolicy.IMPUTE_MEAN));
        assertEquals(Tensor.of(new double[][] {{1, 10}, {3, 20}, {3, 20}, {5, 30}}), imputed.features());
        assertEquals(Tensor.column(0, 1, 2, 3), imputed.targets());
        assertTrue(fails("a,label\n1,x\n2,\n", CsvOptions.label("label").badCells(BadCellPolicy.IMPUTE_MEAN))
                .getMessage().contains("IMPUTE_MEAN cannot invent a class"));
        // one class is left, so the vocabulary is given (deriving one from a single class is refused)
        Dataset noBadLabel = read("a,label\n1,x\n2,\n",
                CsvOptions.label("label").badCells(BadCellPolicy.DROP_ROW).classes(ClassVocabulary.of("x", "y")));
        assertEquals(1, noBadLabel.size());
    }

    @Test
    void readsFilesByPathAndNamesThem(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("data.csv");
        Files.writeString(f, "id,a,y\n7,1,2\n8,oops,3\n");
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> Csv.read(f, CsvOptions.targets("y").ignore("id")));
        assertTrue(e.getMessage().startsWith("data.csv:3:2: column 'a': 'oops' is not a number"), e.getMessage());
    }

    @Test
    void bundledIrisLoadsWithClassNames() {
        Dataset iris = Datasets.iris();
        assertEquals(150, iris.size());
        assertEquals(List.of("sepal_length", "sepal_width", "petal_length", "petal_width"), iris.featureNames());
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
        assertArrayEquals(new double[] {5.1, 3.5, 1.4, 0.2}, new double[] {iris.features().get(0, 0),
                iris.features().get(0, 1), iris.features().get(0, 2), iris.features().get(0, 3)});
        int[] counts = new int[3];
        for (int k : iris.classIndices()) counts[k]++;
        assertArrayEquals(new int[] {50, 50, 50}, counts);
        Dataset oh = iris.oneHot();
        assertEquals(Tensor.row(0, 0, 1), Tensor.of(1, 3, oh.targets().toArray()[149]));
        assertArrayEquals(iris.classIndices(), oh.classIndices());
    }

    @Test
    void aUtf8ByteOrderMarkIsNotPartOfTheFirstColumnName(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bom.csv");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = "species,a\nx,1\ny,2\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] all = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, all, 0, bom.length);
        System.arraycopy(body, 0, all, bom.length, body.length);
        Files.write(f, all);
        Dataset d = Csv.read(f, CsvOptions.label("species"));
        assertEquals(List.of("x", "y"), d.classNames());
        assertEquals(List.of("a"), d.featureNames());
        Dataset fromReader = read("\uFEFFspecies,a\nx,1\ny,2\n", CsvOptions.label("species"));
        assertEquals(List.of("a"), fromReader.featureNames());
    }

    @Test
    @Timeout(20)
    void twoHundredThousandColumnsLoadInLinearTime() throws IOException {
        int cols = 200_000;
        StringBuilder sb = new StringBuilder(cols * 12);
        for (int c = 0; c < cols; c++) sb.append('f').append(c).append(',');
        sb.append("y\n");
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < cols; c++) sb.append(c % 10).append(',');
            sb.append(r).append('\n');
        }
        Dataset d = read(sb.toString(), CsvOptions.targets("y"));
        assertEquals(3, d.size());
        assertEquals(cols, d.features().cols());
        assertEquals("f199999", d.featureNames().get(cols - 1));
        assertEquals(9.0, d.features().get(2, cols - 1), 0);
        assertEquals(Tensor.column(0, 1, 2), d.targets());
    }
}
