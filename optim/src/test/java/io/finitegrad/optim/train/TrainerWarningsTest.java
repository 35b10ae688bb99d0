package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.WarningThresholds;
import io.finitegrad.autodiff.Warnings;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.RNN;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.SGD;
import io.finitegrad.optim.data.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Trainer watches for early warnings by default and hands each to its listeners, with epoch and batch. */
class TrainerWarningsTest {

    /** Every warning a listener was handed, with where. */
    private static final class Recorder implements TrainingListener {
        final List<EarlyWarning> warnings = new ArrayList<>();
        final List<String> where = new ArrayList<>();

        @Override
        public void onWarning(int epoch, int batch, EarlyWarning w) {
            warnings.add(w);
            where.add(epoch + ":" + batch);
        }
    }

    /** A tanh RNN of 16 units with standard-normal weights over 300 steps: its gradient explodes. */
    private static Trainer.Builder explodingRnn(Recorder r) {
        Random rng = new Random(7);
        RNN rnn = new RNN("rnn1", 1, 16, Activation.TANH, Init.STANDARD_NORMAL, rng);
        Layer model = new Sequential(rnn, new Dense("head", 16, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, rng));
        return Trainer.builder(model, Losses::mse, new SGD(model.parameters(), 1e-6))
                .epochs(1).batchSize(4).quiet(true).clipNorm(1).listener(r);
    }

    private static Dataset sequences() {
        Random rng = new Random(8);
        return Dataset.of(Tensor.of(4, 300, rng.doubles(1200, -1, 1).toArray()), Tensor.of(4, 1, rng.doubles(4).toArray()));
    }

    @Test
    void anExplodingRecurrentGradientReachesTheListenersWithEpochAndBatch() {
        Recorder r = new Recorder();
        explodingRnn(r).build().fit(sequences());
        assertTrue(r.warnings.stream().anyMatch(w -> w.kind() == EarlyWarning.Kind.EXPLODING && w.layer().equals("rnn1")),
                r.warnings.toString());
        assertEquals("1:0", r.where.get(0));
        assertFalse(Warnings.active(), "fit closes its collection");
    }

    @Test
    void warningsCanBeSwitchedOffOrTuned() {
        Recorder off = new Recorder();
        explodingRnn(off).warnings(false).build().fit(sequences());
        assertEquals(List.of(), off.warnings);
        Recorder lax = new Recorder();
        explodingRnn(lax).warnings(WarningThresholds.defaults().withExplodingNorm(1e300).withRecurrentRatio(1e300)
                .withGrowth(1e300, 10)).build().fit(sequences());
        assertTrue(lax.warnings.stream().noneMatch(w -> w.kind() == EarlyWarning.Kind.EXPLODING), lax.warnings.toString());
    }

    @Test
    void aHeadroomWarningArrivesBeforeTheDivergence() {
        Dense d = new Dense("dense1", 1, 1, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(1));
        double w = d.weight().value().get(0, 0);
        Dataset data = Dataset.of(Tensor.of(2, 1, new double[] {2e305 / w, 1}), Tensor.of(2, 1, new double[] {0, 0}));
        Recorder r = new Recorder();
        Trainer t = Trainer.builder(d, Losses::mse, new SGD(d.parameters(), 0.1)).epochs(1).batchSize(2).quiet(true)
                .listener(r).build();
        assertThrows(TrainingDivergedException.class, () -> t.fit(data)); // the square overflows in the loss
        assertEquals(1, r.warnings.size(), r.warnings.toString());
        assertTrue(r.warnings.get(0).message().startsWith("dense1/matmul's values reached 2e305: 3 orders from overflow"),
                r.warnings.get(0).message());
        assertEquals("1:0", r.where.get(0));
    }

    @Test
    void theConsoleProgressPrintsWarnings() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Recorder r = new Recorder();
        explodingRnn(r).quiet(false).output(new PrintStream(buf, true, StandardCharsets.UTF_8)).build().fit(sequences());
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("warning (epoch 1, batch 0): " + r.warnings.get(0).message()), out);
    }
}
