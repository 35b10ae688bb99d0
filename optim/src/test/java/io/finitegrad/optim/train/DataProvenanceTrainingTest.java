package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.NanReport;
import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.BadCellPolicy;
import io.finitegrad.optim.data.Csv;
import io.finitegrad.optim.data.CsvOptions;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NaN in a CSV file, kept by {@link BadCellPolicy#KEEP_NON_FINITE}, split and shuffled into a
 * batch, stops training with a report that names the file's row, line and feature, not the
 * element of the batch it ended up in.
 */
class DataProvenanceTrainingTest {

    /** Iris as a file, with data row {@code row} (0-based, on line row + 2) missing its petal width. */
    private static Path irisWithNaN(Path dir, int row) throws IOException {
        List<String> lines;
        try (InputStream in = Datasets.class.getResourceAsStream("iris.csv")) {
            lines = new ArrayList<>(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        }
        String[] cells = lines.get(row + 1).split(",");
        cells[3] = "NaN";
        lines.set(row + 1, String.join(",", cells));
        Path file = dir.resolve("iris_bad.csv");
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void theDivergenceReportNamesTheDatasetRowFileLineAndFeature(@TempDir Path dir) throws IOException {
        Path file = irisWithNaN(dir, 56);
        Dataset data = Csv.read(file, CsvOptions.label("species").badCells(BadCellPolicy.KEEP_NON_FINITE));
        Dataset train = data.split(0.2, 5, true).train();
        int atRow = -1;
        for (int i = 0; i < train.size(); i++) if (train.provenance().sourceRow(i) == 56) atRow = i;
        assertTrue(atRow >= 0, "row index 56 went to the training side with this seed");
        Random rng = new Random(1);
        Layer net = new Sequential(new Dense(4, 8, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense(8, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        Trainer trainer = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(3).batchSize(16).seed(2).quiet(true).build();

        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.fit(train));
        NanReport r = e.report();
        assertEquals(Cause.NON_FINITE_INPUT, r.cause());
        assertEquals("x", r.label());
        assertEquals(1, e.epoch(), "the NaN row is in the first epoch's batches");
        assertEquals(3, r.col());
        assertTrue(r.row() < 16, "the element's place in the batch is not the row of the file: " + r.row());
        assertEquals("row 57 of iris_bad.csv (line 58), feature 'petal_width'", r.origin());
        assertTrue(r.toString().contains("row 57 of iris_bad.csv (line 58), feature 'petal_width'"), r.toString());
        assertTrue(r.remedy().contains("row 57 of iris_bad.csv (line 58)"), r.remedy());
    }

    @Test
    void aNaNInTheTestSetIsTracedToItsFileRowToo(@TempDir Path dir) throws IOException {
        Dataset data = Csv.read(irisWithNaN(dir, 56), CsvOptions.label("species").badCells(BadCellPolicy.KEEP_NON_FINITE));
        int[] trainRows = new int[140], testRows = new int[10];
        for (int i = 0, a = 0; i < 150; i++) if (i < 50 || i >= 60) trainRows[a++] = i;
        for (int i = 0; i < 10; i++) testRows[i] = 50 + i;
        Random rng = new Random(1);
        Layer net = new Sequential(new Dense(4, 8, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense(8, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        Trainer trainer = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(2).batchSize(32).seed(2).quiet(true).build();

        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> trainer.fit(data.subset(trainRows), data.subset(testRows)));
        assertEquals(-1, e.batch(), "stopped in the test evaluation");
        assertEquals("row 57 of iris_bad.csv (line 58), feature 'petal_width'", e.report().origin());
    }
}
