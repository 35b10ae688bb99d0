package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** {@link BadCellPolicy#KEEP_NON_FINITE} loads NaN/Inf cells as they are, so bad data can be inspected. */
class CsvKeepNonFiniteTest {
    private static final String HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n";
    private static final CsvOptions KEEP = CsvOptions.label("species").badCells(BadCellPolicy.KEEP_NON_FINITE);

    private static Dataset read(String text, CsvOptions o) throws IOException {
        return Csv.read(new StringReader(text), "iris.csv", o);
    }

    @Test
    void nanAndInfinityCellsAreKeptWhereTheyAre() throws IOException {
        Dataset d = read(HEADER + "5.1,3.5,1.4,0.2,setosa\n4.9,NaN,1.4,-Infinity,setosa\n6,3,1e999,inf,virginica\n", KEEP);
        assertEquals(3, d.size());
        assertTrue(Double.isNaN(d.features().get(1, 1)));
        assertEquals(Double.NEGATIVE_INFINITY, d.features().get(1, 3));
        assertEquals(Double.POSITIVE_INFINITY, d.features().get(2, 2));
        assertEquals(Double.POSITIVE_INFINITY, d.features().get(2, 3));
        assertEquals(5.1, d.features().get(0, 0));
        assertEquals("row 2 of iris.csv (line 3), feature 'sepal_width'", d.provenance().describe(1, 1));
    }

    @Test
    void missingAndNonNumericCellsStillFailWithFileLineAndColumn() {
        CsvFormatException missing = assertThrows(CsvFormatException.class, () -> read(HEADER + "5.1,,1.4,0.2,setosa\n", KEEP));
        assertTrue(missing.getMessage().startsWith("iris.csv:2:2: column 'sepal_width': missing value"), missing.getMessage());
        assertTrue(missing.getMessage().contains("KEEP_NON_FINITE keeps only NaN/Inf"), missing.getMessage());
        CsvFormatException text = assertThrows(CsvFormatException.class, () -> read(HEADER + "5.1,3,abc,0.2,setosa\n", KEEP));
        assertTrue(text.getMessage().startsWith("iris.csv:2:3: column 'petal_length': 'abc' is not a number"), text.getMessage());
        CsvFormatException label = assertThrows(CsvFormatException.class, () -> read(HEADER + "5.1,3,1,0.2,\n", KEEP));
        assertTrue(label.getMessage().startsWith("iris.csv:2:5: column 'species': missing label"), label.getMessage());
    }

    @Test
    void regressionTargetsKeepNonFiniteCellsToo() throws IOException {
        Dataset d = Csv.read(new StringReader("a,y\n1,NaN\n2,3\n"), "r.csv",
                CsvOptions.targets("y").badCells(BadCellPolicy.KEEP_NON_FINITE));
        assertTrue(Double.isNaN(d.targets().get(0, 0)));
        assertEquals(3.0, d.targets().get(1, 0));
    }

    @Test
    void theDefaultStillRefusesNonFiniteCellsAndNamesTheKeepPolicy() {
        CsvFormatException e = assertThrows(CsvFormatException.class,
                () -> read(HEADER + "5.1,3,1.4,NaN,setosa\n", CsvOptions.label("species")));
        assertTrue(e.getMessage().startsWith("iris.csv:2:4: column 'petal_width': 'NaN' is not a finite number"), e.getMessage());
        assertTrue(e.getMessage().contains("KEEP_NON_FINITE"), e.getMessage());
    }
}
