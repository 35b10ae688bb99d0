package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.LrSchedule;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.data.StandardScaler;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listeners stop training cleanly; EarlyStopping as Keras's; History records why training ended. */
class EarlyStoppingTest {
    private static final Dataset TRAIN;

    static {
        Dataset.Split split = Datasets.iris().split(0.2, 42, true);
        StandardScaler scaler = new StandardScaler();
        scaler.fit(split.train());
        TRAIN = scaler.transform(split.train());
    }

    private static List<Tensor> values(Layer m) {
        return m.parameters().stream().map(Var::value).toList();
    }

    /** Records the parameters at the end of every epoch (before EarlyStopping, which is added after). */
    private static final class Snapshots implements TrainingListener {
        final List<List<Tensor>> byEpoch = new ArrayList<>();
        private Layer model;

        @Override
        public void onTrainBegin(Layer m, Dataset train, Dataset test, int epochs) {
            model = m;
        }

        @Override
        public Decision afterEpoch(History.Epoch record) {
            byEpoch.add(values(model));
            return Decision.CONTINUE;
        }
    }

    /**
     * The learning rate rises from epoch 3 (a step decay with gamma 2), so "lr", monitored for MIN,
     * is best at epochs 1 and 2 (no improvement at 2) and worse after: with patience 3 training stops
     * after epoch 4 and the weights of epoch 1 come back.
     */
    @Test
    void stopsAfterPatienceEpochsWithoutImprovementAndRestoresTheBestWeights() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        Snapshots snapshots = new Snapshots();
        EarlyStopping stopper = new EarlyStopping("lr", 3, 0, EarlyStopping.Mode.MIN, true);
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(20).batchSize(32).seed(1).quiet(true).schedule(LrSchedule.stepDecay(0.001, 2, 2))
                .listener(snapshots).listener(stopper).build().fit(TRAIN);
        assertEquals(4, h.size());
        assertTrue(h.stoppedEarly());
        assertEquals(1, stopper.bestEpoch());
        assertEquals(0.001, stopper.best());
        assertEquals("EarlyStopping: lr did not improve by more than 0.0 for 3 epoch(s); best 0.00100000 at epoch 1,"
                + " whose weights were restored", h.stopReason());
        assertEquals(snapshots.byEpoch.get(0), values(net));
        assertFalse(snapshots.byEpoch.get(3).equals(values(net)), "the last epoch's weights were replaced");
    }

    @Test
    void withoutRestoreTheLastWeightsStayAndAutoModeMaximisesAccuracy() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        Snapshots snapshots = new Snapshots();
        EarlyStopping stopper = new EarlyStopping("accuracy", 0);
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(200).batchSize(32).seed(1).quiet(true).listener(snapshots).listener(stopper).build().fit(TRAIN);
        assertTrue(h.stoppedEarly());
        assertTrue(h.size() < 200);
        List<History.Epoch> e = h.epochs();
        assertTrue(e.get(e.size() - 1).accuracy() <= stopper.best(), "patience 0: stops at the first epoch not above the best");
        for (int i = 0; i < e.size() - 1; i++) assertTrue(e.get(i).accuracy() <= stopper.best());
        assertEquals(snapshots.byEpoch.get(h.size() - 1), values(net));
    }

    @Test
    void anyListenerCanStopTrainingWithAReasonThatHistoryAndConsoleReport() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> ended = new ArrayList<>();
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(10).output(new PrintStream(bytes, true, StandardCharsets.UTF_8))
                .listener(new TrainingListener() {
                    @Override
                    public Decision afterEpoch(History.Epoch record) {
                        return record.epoch() == 2 ? Decision.stop("enough for today") : Decision.CONTINUE;
                    }

                    @Override
                    public void onTrainEnd(History history) {
                        ended.add(history.stopReason());
                    }
                }).build().fit(TRAIN);
        assertEquals(2, h.size());
        assertTrue(h.stoppedEarly());
        assertEquals("enough for today", h.stopReason());
        assertEquals(List.of("enough for today"), ended);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("epoch 2/10 loss "), out);
        assertFalse(out.contains("epoch 3/10"), out);
        assertTrue(out.contains("Stopped after epoch 2: enough for today"), out);
    }

    @Test
    void aCompletedRunSaysSoInItsHistoryAndJson() throws Exception {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        History h = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(2).quiet(true).build().fit(TRAIN);
        assertFalse(h.stoppedEarly());
        assertEquals("completed 2 of 2 epochs", h.stopReason());
        JsonNode root = new ObjectMapper().readTree(h.toJson());
        assertEquals("completed 2 of 2 epochs", root.get("stop_reason").asText());
        assertFalse(root.get("stopped_early").asBoolean());
        assertEquals(h.last().loss(), h.last().metric("loss"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> h.last().metric("val_loss")).getMessage()
                .contains("unknown metric 'val_loss', expected one of [epoch, loss, accuracy"));
    }

    @Test
    void monitoringATestMetricWithoutATestSetFailsBeforeTheFirstStep() {
        Layer net = TrainerTest.irisNet(Activation.TANH, 1);
        List<Tensor> before = values(net);
        Trainer trainer = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(2).quiet(true).listener(new EarlyStopping("test_loss", 2)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(TRAIN));
        assertEquals("EarlyStopping: monitors 'test_loss' but fit was given no test set", e.getMessage());
        assertEquals(before, values(net));
    }

    @Test
    void argumentsAreValidatedWithNameAndValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new EarlyStopping("val_loss", 2)).getMessage()
                .contains("unknown metric 'val_loss'"));
        assertEquals("EarlyStopping: patience must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new EarlyStopping("loss", -1)).getMessage());
        assertEquals("EarlyStopping: minDelta must be >= 0 and finite, got NaN", assertThrows(IllegalArgumentException.class,
                () -> new EarlyStopping("loss", 1, Double.NaN, EarlyStopping.Mode.MIN, false)).getMessage());
        assertEquals("Decision.stop: a reason is required, got ' '",
                assertThrows(IllegalArgumentException.class, () -> Decision.stop(" ")).getMessage());
    }
}
