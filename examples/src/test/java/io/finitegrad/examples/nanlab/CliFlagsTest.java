package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What nanlab prints names its own flags, never the Java calls behind them: a remedy that the
 * library words as {@code BadCellPolicy.DROP_ROW} or {@code clipNorm} reaches a nanlab user as
 * {@code --bad-cells drop-row} or {@code --clip}.
 */
class CliFlagsTest {
    @TempDir
    Path dir;

    private Path csv(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static void namesNoJavaCall(String text) {
        for (String java : new String[] {"BadCellPolicy", "DROP_ROW", "IMPUTE_MEAN", "KEEP_NON_FINITE", "CsvOptions", "clipNorm",
                "GradClip"}) {
            assertFalse(text.contains(java), () -> "names the Java call " + java + ": " + text);
        }
    }

    @Test
    void aMissingCellSuggestsTheBadCellsFlag() throws Exception {
        Path f = csv("gaps.csv", "a,b,kind\n1,2,x\n3,,y\n4,5,x\n6,7,y\n");
        String line = Cli.run("train", "--data", f.toString(), "--label", "kind").inputErrorLine();
        assertTrue(line.contains("gaps.csv:3:2") && line.contains("missing value"), line);
        assertTrue(line.contains("--bad-cells drop-row") && line.contains("--bad-cells impute-mean"), line);
        namesNoJavaCall(line);
    }

    @Test
    void aNaNCellAlsoSuggestsKeepingItToInspect() throws Exception {
        Path f = csv("nan.csv", "a,b,kind\n1,NaN,x\n3,4,y\n");
        String line = Cli.run("train", "--data", f.toString(), "--label", "kind").inputErrorLine();
        assertTrue(line.contains("--bad-cells keep-non-finite"), line);
        namesNoJavaCall(line);
    }

    @Test
    void aMissingLabelSuggestsOnlyDroppingTheRow() throws Exception {
        Path f = csv("nolabel.csv", "a,b,kind\n1,2,x\n3,4,\n5,6,y\n");
        String line = Cli.run("train", "--data", f.toString(), "--label", "kind").inputErrorLine();
        assertTrue(line.contains("nolabel.csv:3:3") && line.contains("missing label"), line);
        assertTrue(line.contains("--bad-cells drop-row") && !line.contains("impute-mean"), line);
        namesNoJavaCall(line);
        String imputing = Cli.run("train", "--data", f.toString(), "--label", "kind", "--bad-cells", "impute-mean").inputErrorLine();
        assertTrue(imputing.contains("--bad-cells impute-mean cannot invent a class; use --bad-cells drop-row"), imputing);
    }

    @Test
    void aSingleClassFileIsNotToldAboutJavaVocabularies() throws Exception {
        Path f = csv("one.csv", "a,kind\n1,x\n2,x\n");
        String line = Cli.run("train", "--data", f.toString(), "--label", "kind").inputErrorLine();
        assertTrue(line.contains("single class 'x'") && line.contains("at least two classes"), line);
        namesNoJavaCall(line);
    }

    @Test
    void badCellsDropRowTrainsOnTheRowsLeft() throws Exception {
        Path iris = Cli.iris(dir);
        String text = Files.readString(iris, StandardCharsets.UTF_8).replaceFirst("\n5\\.1,", "\nNA,");
        Path f = csv("gappy-iris.csv", text);
        Cli r = Cli.run("train", "--data", f.toString(), "--label", "species", "--bad-cells", "drop-row", "--epochs", "2", "--quiet");
        assertEquals(NanLab.OK, r.code(), r.err());
        assertTrue(r.out().contains("Data check: gappy-iris.csv, 149 rows"), r.out());
    }

    @Test
    void keptNaNCellsAreFoundByTheGuardAndTheAdviceNamesTheFlags() throws Exception {
        Path f = csv("kept.csv", "a,b,kind\n1,2,x\n3,NaN,y\n5,6,x\n7,8,y\n");
        Cli r = Cli.run("train", "--data", f.toString(), "--label", "kind", "--bad-cells", "keep-non-finite", "--test-fraction", "0",
                "--scale", "none", "--quiet");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("remedy: fix the source, or load with --bad-cells drop-row or --bad-cells impute-mean"), r.out());
        assertTrue(r.out().contains("With nanlab train: --bad-cells drop-row or --bad-cells impute-mean"), r.out());
        namesNoJavaCall(r.out());
    }

    @Test
    void keptNaNCellsCannotBeScaledAndTheErrorNamesTheFlags() throws Exception {
        Path f = csv("kept.csv", "a,b,kind\n1,2,x\n3,NaN,y\n5,6,x\n7,8,y\n");
        String line = Cli.run("train", "--data", f.toString(), "--label", "kind", "--bad-cells", "keep-non-finite", "--test-fraction",
                "0", "--quiet").inputErrorLine();
        assertTrue(line.contains("--scale standard") && line.contains("--scale none") && line.contains("--bad-cells drop-row"), line);
        assertFalse(line.contains("StandardScaler") || line.contains("DataReport"), line);
    }

    @Test
    void theDataChecksScalingAdviceNamesTheScaleFlag() throws Exception {
        StringBuilder b = new StringBuilder("a,b,c,kind\n");
        for (int i = 0; i < 20; i++) b.append(i * 1e4).append(',').append(i % 3).append(",7,").append(i % 2 == 0 ? "x" : "y").append('\n');
        Cli r = Cli.run("train", "--data", csv("wide.csv", b.toString()).toString(), "--label", "kind", "--epochs", "1", "--quiet");
        assertEquals(NanLab.OK, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("[UNIT_SCALE] column 'a'") && r.out().contains("[CONSTANT] column 'c'"), r.out());
        assertTrue(r.out().contains("(--scale standard, the default: fitted on the training set, to mean 0"), r.out());
        assertTrue(r.out().contains("(--scale standard maps it to 0)"), r.out());
        assertFalse(r.out().contains("StandardScaler"), r.out());
    }

    @Test
    void divergenceAdviceNamesTheLearningRateAndClipFlags() {
        Path iris = Cli.iris(dir);
        Cli r = Cli.run("train", "--data", iris.toString(), "--label", "species", "--optimizer", "sgd", "--lr", "1e150", "--clip", "0",
                "--epochs", "3", "--quiet");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("Training diverged"), r.out());
        assertTrue(r.out().contains("With nanlab train: a lower --lr (it is 1.0E150), --clip 1 (clipping is off: --clip 0)."), r.out());
        namesNoJavaCall(r.out());
    }

    @Test
    void aFloat16DivergenceIsAlsoAdvisedTheWiderBfloat16() {
        Path iris = Cli.iris(dir);
        Cli r = Cli.run("train", "--data", iris.toString(), "--label", "species", "--optimizer", "sgd", "--lr", "100", "--clip", "0",
                "--epochs", "3", "--quiet", "--precision", "fp16");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("Precision: float16 (emulated, float64 master weights; see --precision)"), r.out());
        assertTrue(r.out().contains("--precision bf16 (float32's range; this run used fp16)."), r.out());
        Cli wide = Cli.run("train", "--data", iris.toString(), "--label", "species", "--optimizer", "sgd", "--lr", "1e150", "--clip",
                "0", "--epochs", "3", "--quiet");
        assertFalse(wide.out().contains("--precision bf16"), "float32 is not told to widen: " + wide.out());
    }

    @Test
    void anUnknownBadCellsValueNamesTheFlagAndTheValues() {
        Path iris = Cli.iris(dir);
        String line = Cli.run("train", "--data", iris.toString(), "--label", "species", "--bad-cells", "ignore").inputErrorLine();
        assertTrue(line.contains("--bad-cells: unknown 'ignore'") && line.contains("[fail, drop-row, impute-mean, keep-non-finite]"),
                line);
    }
}
