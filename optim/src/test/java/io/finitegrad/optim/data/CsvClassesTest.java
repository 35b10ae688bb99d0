package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.finitegrad.core.Tensor;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Test and new data are numbered by the training set's classes, whatever classes and order they hold. */
class CsvClassesTest {
    private static final String TRAIN = "x,species\n1,setosa\n2,versicolor\n3,virginica\n";

    private static Dataset read(String text, CsvOptions o) throws IOException {
        return Csv.read(new StringReader(text), "test.csv", o);
    }

    @Test
    void aTestFileLackingAClassInAnotherOrderGetsTheTrainingNumbers() throws IOException {
        Dataset train = read(TRAIN, CsvOptions.label("species"));
        assertEquals(ClassVocabulary.of("setosa", "versicolor", "virginica"), train.classes());
        // on its own this file would number virginica 0 and versicolor 1: every class shifted
        String test = "x,species\n3,virginica\n2,versicolor\n3.1,virginica\n";
        Dataset withTraining = read(test, CsvOptions.label("species").classes(train.classes()));
        assertSame(train.classes(), withTraining.classes());
        assertEquals(Tensor.column(2, 1, 2), withTraining.targets());
        assertEquals(List.of("setosa", "versicolor", "virginica"), withTraining.classNames());
        // one-hot keeps the training width even though setosa is absent
        assertEquals(3, withTraining.oneHot().targets().cols());
    }

    @Test
    void everyRowGetsItsTrainingNumberWhateverClassesAndOrderTheFileHas() {
        ClassVocabulary training = ClassVocabulary.of("ant", "bee", "cat", "dog");
        qt().withExamples(Integer.getInteger("QT_EXAMPLES", 100))
                .forAll(lists().of(integers().between(0, 3)).ofSizeBetween(1, 20))
                .checkAssert(classes -> {
                    StringBuilder csv = new StringBuilder("x,kind\n");
                    for (int i = 0; i < classes.size(); i++) csv.append(i).append(',').append(training.name(classes.get(i))).append('\n');
                    Dataset d;
                    try {
                        d = read(csv.toString(), CsvOptions.label("kind").classes(training));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    int[] got = d.classIndices();
                    for (int i = 0; i < classes.size(); i++) assertEquals((int) classes.get(i), got[i], "row " + i);
                });
    }

    @Test
    void aSingleClassFileIsFineWithAGivenVocabularyButCannotDeriveOne() throws IOException {
        Dataset train = read(TRAIN, CsvOptions.label("species"));
        Dataset onlyVirginica = read("x,species\n3,virginica\n", CsvOptions.label("species").classes(train.classes()));
        assertEquals(Tensor.column(2), onlyVirginica.targets());
        CsvFormatException e = assertThrows(CsvFormatException.class,
                () -> read("x,species\n3,virginica\n4,virginica\n", CsvOptions.label("species")));
        assertTrue(e.getMessage().startsWith("test.csv:1:2: column 'species' holds a single class 'virginica'"), e.getMessage());
        assertTrue(e.getMessage().contains("CsvOptions.label(\"species\").classes(train.classes())"), e.getMessage());
    }

    @Test
    void anUnknownClassNamesTheValueFileLineAndColumn() {
        ClassVocabulary classes = ClassVocabulary.of("setosa", "versicolor", "virginica");
        CsvFormatException e = assertThrows(CsvFormatException.class,
                () -> read("x,species\n1,setosa\n2,Setosa\n", CsvOptions.label("species").classes(classes)));
        assertTrue(e.getMessage().startsWith("test.csv:3:2: column 'species': unknown class 'Setosa'; the given vocabulary has "
                + "[setosa, versicolor, virginica]"), e.getMessage());
        assertEquals(3, e.line());
        assertEquals(2, e.column());
    }

    @Test
    void aVocabularyNeedsALabelColumn() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CsvOptions.targets("y").classes(ClassVocabulary.of("a", "b")));
        assertTrue(e.getMessage().contains("needs a label column"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsvOptions.label("y").classes(null));
    }

    @Test
    void splitsAndSubsetsKeepTheVocabulary() {
        Dataset iris = Datasets.iris();
        Dataset.Split s = iris.split(0.2, 1, true);
        assertEquals(iris.classes(), s.train().classes());
        assertEquals(iris.classes(), s.test().classes());
        assertEquals(iris.classes(), iris.oneHot().classes());
        assertEquals("virginica", iris.classes().name(iris.classIndices()[149]));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Dataset.of(Tensor.column(1), Tensor.column(2)).classes());
        assertTrue(e.getMessage().contains("not a classification set"), e.getMessage());
    }

    @Test
    void readFeaturesTakesTheTrainingColumnsByNameFromUnlabelledData(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("new.csv");
        Files.writeString(f, "id,petal,sepal\n7,1.5,5.1\n8,4.5,6.2\n");
        Tensor x = Csv.readFeatures(f, List.of("sepal", "petal"));
        assertEquals(Tensor.of(new double[][] {{5.1, 1.5}, {6.2, 4.5}}), x);

        CsvFormatException missing = assertThrows(CsvFormatException.class, () -> Csv.readFeatures(f, List.of("sepal", "width")));
        assertTrue(missing.getMessage().startsWith("new.csv:1:0: no feature column(s) [width] of the expected [sepal, width]; "
                + "the header has [id, petal, sepal]"), missing.getMessage());
        CsvFormatException bad = assertThrows(CsvFormatException.class, () -> Csv.readFeatures(new StringReader(
                "sepal,petal\n1,2\n3,NaN\n"), "new.csv", List.of("sepal", "petal")));
        assertTrue(bad.getMessage().startsWith("new.csv:3:2: column 'petal': 'NaN' is not a finite number"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Csv.readFeatures(f, List.of("sepal", "sepal")));
        assertThrows(IllegalArgumentException.class, () -> Csv.readFeatures(f, List.of()));
    }

    @Test
    void aBadCellAfterAQuotedLineBreakIsReportedOnItsPhysicalLine() {
        String text = "note,x,y\n1,1,1\n\"two\nlines\",oops,2\n";
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> read(text, CsvOptions.targets("y").ignore("note")));
        assertTrue(e.getMessage().startsWith("test.csv:4:2: column 'x': 'oops' is not a number"), e.getMessage());
        String crlf = "note,x,y\r\n\"a\r\nb\r\nc\",1,x\r\n";
        CsvFormatException e2 = assertThrows(CsvFormatException.class, () -> read(crlf, CsvOptions.targets("y").ignore("note")));
        assertTrue(e2.getMessage().startsWith("test.csv:4:3: column 'y': 'x' is not a number"), e2.getMessage());
    }

    @Test
    void headerProblemsNameBothColumnsAndTheColumnsFound() {
        CsvFormatException dup = assertThrows(CsvFormatException.class, () -> read("a,b,a\n1,2,3\n", CsvOptions.targets("b")));
        assertTrue(dup.getMessage().startsWith("test.csv:1:3: duplicate column name 'a' (columns 1 and 3)"), dup.getMessage());
        CsvFormatException label = assertThrows(CsvFormatException.class, () -> read("a,b\n1,2\n", CsvOptions.label("species")));
        assertTrue(label.getMessage().contains("no label column 'species'; the header has [a, b]"), label.getMessage());
        CsvFormatException quote = assertThrows(CsvFormatException.class, () -> read("a,b\n1,2\n3,\"4\n", CsvOptions.targets("b")));
        assertTrue(quote.getMessage().startsWith("test.csv:3:0: unterminated quoted field (opened on line 3)"), quote.getMessage());
    }
}
