package io.finitegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.finitegrad.autodiff.op.Cause;
import io.finitegrad.autodiff.NaiveOps;
import io.finitegrad.autodiff.NonFiniteException;
import io.finitegrad.autodiff.Var;
import io.finitegrad.autodiff.limits.BreakingPoint;
import io.finitegrad.autodiff.limits.BreakingPoints;
import io.finitegrad.core.Tensor;
import io.finitegrad.examples.nanlab.NanLab;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.GRU;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.LSTM;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.DataReport;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.data.StandardScaler;
import io.finitegrad.optim.io.Safetensors;
import io.finitegrad.optim.train.Checkpoint;
import io.finitegrad.optim.train.History;
import io.finitegrad.optim.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's code, run as written, with the values it claims. */
class ReadmeExamplesTest {
    @Test
    void firstGraph() {
        Var x = Var.input("x", Tensor.of(new double[][] {{1, 2}, {3, 4}}));
        Var w = Var.param("w", Tensor.of(new double[][] {{0.5}, {-0.25}}));
        Var b = Var.param("b", Tensor.scalar(0.1));
        Var loss = x.matmul(w).add(b).square().mean().label("loss");
        loss.backward();
        assertEquals(0.185, loss.item(), 1e-15);
        assertArrayEquals(new double[] {1.9, 2.6}, w.grad().toFlatArray(), 1e-15);
        assertEquals(0.7, b.grad().item(), 1e-15);

        Var logits = Var.param("logits", Tensor.of(new double[][] {{1000, 0}}));
        Var y = Var.input("y", Tensor.of(new double[][] {{0, 1}}));
        try {
            NaiveOps.crossEntropy(NaiveOps.softmax(logits), y);
            fail("the naive cross-entropy should overflow");
        } catch (NonFiniteException e) {
            assertEquals(Cause.EXP_OVERFLOW, e.report().cause());
            assertEquals("naiveSoftmax/exp", e.report().label());
        }
        Var stable = y.mul(logits.logSoftmax()).sum().neg();
        assertEquals(1000.0, stable.item(), 0.0);
    }

    @Test
    void layersTrainingAndData(@TempDir Path dir) throws Exception {
        Random rng = new Random(1);
        Layer net = new Sequential(
                new Dense(4, 16, Activation.TANH, Init.XAVIER_UNIFORM, rng),
                new Dense(16, 3, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        assertTrue(net.summary().contains("131"), net.summary()); // 4*16+16 + 16*3+3 parameters

        Dataset.Split split = Datasets.iris().split(0.2, 0, true);
        assertTrue(DataReport.of(split.train()).toString().contains("sepal_length"));
        StandardScaler scaler = new StandardScaler();
        scaler.fit(split.train());
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(100).batchSize(16).seed(3).clipNorm(5.0).quiet(true).build()
                .fit(scaler.transform(split.train()), scaler.transform(split.test()));
        assertTrue(h.last().testAccuracy() >= 0.95, h.last().toString());
        h.writeCsv(dir.resolve("history.csv"));
        assertEquals(101, Files.readAllLines(dir.resolve("history.csv")).size()); // header + 100 epochs
        Path file = dir.resolve("iris.safetensors");
        Checkpoint.saveModel(file, net);
        Map<String, Tensor> saved = Safetensors.read(file).tensors();
        assertEquals(net.parameters().get(0).value(), saved.get(net.parameters().get(0).name()));
    }

    @Test
    void recurrentLayersTakeOneStepMajorMatrix() {
        Random rng = new Random(1);
        Layer classifier = new Sequential(
                new LSTM(1, 16, rng),
                new Dense(16, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        Var logits = classifier.forward(Var.input("x", Tensor.zeros(8, 20)));
        assertEquals("8x2", logits.shape());
        GRU tagger = new GRU(3, 8, rng).returnSequences(true).truncateEvery(10);
        List<Var> states = tagger.forward(List.of(Var.input("x0", Tensor.zeros(8, 3)),
                Var.input("x1", Tensor.zeros(8, 3))));
        assertEquals(List.of("8x8", "8x8"), states.stream().map(Var::shape).toList());
        assertEquals("8x16", tagger.forward(Var.input("x", Tensor.zeros(8, 6))).shape());
    }

    @Test
    void limitsTableIsWhatNanlabLimitsPrints() {
        Readme.Fence table = Readme.fenceAfter(Readme.lines(), "`java -jar examples/target/nanlab.jar limits`");
        assertEquals("text", table.language(), "README.md:" + table.fenceLine());
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = NanLab.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "limits");
        assertEquals(NanLab.OK, code, err.toString(StandardCharsets.UTF_8));
        Readme.sync(table, out.toString(StandardCharsets.UTF_8).lines().toList(), "the output of nanlab limits");
    }

    /**
     * The reports quoted in the README are what nanlab prints for those lessons, in order: the one
     * under "A first graph" and the three under "Why did my network produce NaN?". A README line may
     * leave lines out, and a line ending in "..." shortens the printed one. Numbered node names
     * (#1 sub) are the report's own, so the text is fixed.
     */
    @Test
    void quotedLessonReportsAreWhatTheLessonsPrint() {
        for (String lesson : List.of("masked-branch", "softmax-overflow", "nan-in-data", "sqrt-at-zero")) {
            Readme.Fence block = Readme.fenceAfter(Readme.lines(), "(`run " + lesson + "`");
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            int code = NanLab.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), "run", lesson);
            assertEquals(NanLab.NON_FINITE, code, err.toString(StandardCharsets.UTF_8));
            Readme.syncExcerpt(block, out.toString(StandardCharsets.UTF_8).lines().toList(), "nanlab run " + lesson);
        }
    }

    @Test
    void breakingPointsOfTheNaiveAndTheStableSoftmax() {
        BreakingPoint naive = BreakingPoints.search(x -> NaiveOps.softmax(Var.concatCols(x, Var.constant(0))), 0, 1000);
        assertEquals("x = 709.7827128933841: value non-finite; entry exp 'naiveSoftmax/exp' (forward, EXP_OVERFLOW)", naive.toString());
        assertEquals("none in [0.0, 1000.0]",
                BreakingPoints.search(x -> Var.concatCols(x, Var.constant(0)).softmax(), 0, 1000).toString());
    }

    @Test
    void dependencySnippetNamesThisVersionAndThePomsQuickTheories() throws Exception {
        Readme.Fence xml = Readme.fenceAfter(Readme.lines(), "## Test your own op's gradient stability");
        assertEquals("xml", xml.language(), "README.md:" + xml.fenceLine());
        String pom = Files.readString(Readme.path().resolveSibling("pom.xml"));
        String snippet = String.join("\n", xml.lines());
        String project = between(pom, "<artifactId>finitegrad-parent</artifactId>", "<version>", "</version>");
        String quickTheories = between(pom, "", "<quicktheories.version>", "</quicktheories.version>");
        assertTrue(snippet.contains("<artifactId>finitegrad-autodiff</artifactId>\n  <version>" + project + "</version>"), snippet);
        assertTrue(snippet.contains("<artifactId>quicktheories</artifactId>\n  <version>" + quickTheories + "</version>\n  <scope>test</scope>"),
                snippet);
    }

    /** The text between {@code open} and {@code close} that first follows {@code after}. */
    private static String between(String s, String after, String open, String close) {
        int from = s.indexOf(open, s.indexOf(after)) + open.length();
        return s.substring(from, s.indexOf(close, from));
    }
}
