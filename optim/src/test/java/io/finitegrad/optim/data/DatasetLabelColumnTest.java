package io.finitegrad.optim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A dataset knows the column its labels came from, and the data check and training output name it. */
class DatasetLabelColumnTest {
    @Test
    void csvSetsTheHeaderNameAndEveryDerivedSetKeepsIt() throws Exception {
        Dataset iris = Datasets.iris();
        assertEquals("species", iris.labelColumn());
        Dataset.Split split = iris.split(0.2, 3, true);
        for (Dataset d : List.of(split.train(), split.test(), iris.oneHot(), iris.subset(new int[] {0, 60}), iris.named("flowers"),
                iris.withFeatures(iris.features().map(v -> v * 2)))) {
            assertEquals("species", d.labelColumn(), d.toString());
        }
        Dataset kinds = Csv.read(new StringReader("a,kind\n1,x\n2,y\n"), "k.csv", CsvOptions.label("kind"));
        assertEquals("kind", kinds.labelColumn());
    }

    @Test
    void setsBuiltFromArraysSayLabelAndRegressionHasNone() {
        Tensor x = Tensor.of(2, 1, 1, 2);
        assertEquals("label", new Dataset(x, Tensor.column(0, 1), List.of("a"), List.of("p", "q")).labelColumn());
        assertEquals("colour", new Dataset(x, Tensor.column(0, 1), List.of("a"), List.of("p", "q")).withLabelColumn("colour").labelColumn());
        assertNull(Dataset.of(x, Tensor.column(0, 1)).labelColumn());
    }

    @Test
    void theDataCheckNamesTheDatasetsOwnLabelColumn() {
        Dataset iris = Datasets.iris();
        String report = DataReport.of(iris).toString();
        assertTrue(report.contains("Data check: iris.csv") && report.contains("classes of 'species': setosa 50"), report);
        assertTrue(DataReport.of(iris, "Species").toString().contains("classes of 'Species'"), "the two-argument form still names it");
    }

    @Test
    void theTrainersDataCheckNamesTheLabelColumn() {
        Dataset train = Datasets.iris().split(0.2, 1, true).train();
        Dense model = new Dense("out", 4, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(2));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Trainer.builder(model, Losses::softmaxCrossEntropy, new Adam(model.parameters(), 0.01)).epochs(1).batchSize(40)
                .output(new PrintStream(bytes, true, StandardCharsets.UTF_8)).build().fit(train);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("classes of 'species': setosa 40, versicolor 40, virginica 40"), out);
        assertFalse(out.contains("'label'"), out);
    }
}
