package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.autodiff.EarlyWarning;
import io.finitegrad.autodiff.Var;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Layer;
import io.finitegrad.layers.Losses;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.data.Datasets;
import io.finitegrad.optim.data.StandardScaler;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Training whole models under an emulated format with loss scaling (issue 17's acceptance runs). */
class PrecisionTrainingTest {
    private static final Dataset.Split IRIS = Datasets.iris().split(0.2, 42, true);

    /** The TrainerTest Iris setup (4-16-3 tanh, Adam 0.01, 100 epochs of 16), in {@code p}. */
    private static History iris(long seed, Precision p, boolean dynamic, LossScalingTest.Scales listener) {
        StandardScaler scaler = new StandardScaler();
        scaler.fit(IRIS.train());
        Layer net = TrainerTest.irisNet(Activation.TANH, seed);
        Trainer.Builder b = Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01))
                .epochs(100).batchSize(16).seed(seed).quiet(true).precision(p).listener(listener);
        if (dynamic) b.dynamicLossScale();
        return b.build().fit(scaler.transform(IRIS.train()), scaler.transform(IRIS.test()));
    }

    /**
     * Iris in float16 with a dynamic loss scale reaches the float64 held-out accuracy within one row
     * of the 30-row test split, on three seeds; the scaled gradients raise no exploding-gradient
     * warning (the early warnings judge the unscaled ones).
     */
    @Test
    void irisInFloat16WithADynamicScaleMatchesFloat64WithinOneTestRow() {
        for (long seed = 1; seed <= 3; seed++) {
            LossScalingTest.Scales s64 = new LossScalingTest.Scales(), s16 = new LossScalingTest.Scales();
            History h64 = iris(seed, Precision.FLOAT64, false, s64);
            History h16 = iris(seed, Precision.FLOAT16, true, s16);
            double rows64 = h64.last().testAccuracy() * 30, rows16 = h16.last().testAccuracy() * 30;
            assertTrue(Math.abs(rows64 - rows16) <= 1 + 1e-9, "seed " + seed + ": float64 " + rows64
                    + " of 30 test rows right, float16 " + rows16 + "; " + h16);
            assertTrue(rows16 >= 27, "seed " + seed + ": " + h16.last());
            assertEquals(32768.0, s16.scales.get(0));
            assertEquals(100, h16.lossScales().size());
            for (EarlyWarning w : s16.warnings) {
                assertTrue(w.kind() != EarlyWarning.Kind.EXPLODING, "seed " + seed + ": " + w.message());
            }
        }
    }

    /**
     * A loss of 1e-8 times a squared error: its gradients (about 1e-9) are exactly 0 in float16,
     * where everything below 2^-25 rounds to 0, so without a scale every step leaves the weights
     * where they were; a dynamic scale (2^15) lifts them into range and the model trains. Adam's
     * update does not depend on the gradient's size, only on its direction, so the tiny unscaled
     * gradient still moves the weights at the learning rate.
     */
    @Test
    void gradientsThatUnderflowInFloat16TrainOnlyWithADynamicScale() {
        Dataset d = LossScalingTest.line();
        Loss tiny = (pred, y) -> Losses.mse(pred, y).mul(1e-4).mul(1e-4);
        double[] before = {0.25, 0.5};
        Var frozen = Var.param("w", Tensor.of(2, 1, before));
        LossScalingTest.Scales plain = new LossScalingTest.Scales();
        Trainer.builder(LinearModel.of(frozen), tiny, new Adam(List.of(frozen), 0.05)).epochs(50).batchSize(8)
                .quiet(true).precision(Precision.FLOAT16).listener(plain).build().fit(d);
        assertEquals(50, plain.norms.size());
        assertTrue(plain.norms.stream().allMatch(n -> n == 0), "every gradient is exactly 0: " + plain.norms);
        assertArrayEquals(before, frozen.value().toFlatArray(), 0, "50 steps changed nothing");

        Var w = Var.param("w", Tensor.of(2, 1, before));
        LossScalingTest.Scales scaled = new LossScalingTest.Scales();
        History h = Trainer.builder(LinearModel.of(w), tiny, new Adam(List.of(w), 0.05)).epochs(50).batchSize(8)
                .quiet(true).precision(Precision.FLOAT16).dynamicLossScale().listener(scaled).build().fit(d);
        assertTrue(scaled.norms.stream().allMatch(n -> n > 1e-11 && n < 1e-7), "about 1e-9: " + scaled.norms);
        assertEquals(List.of(0), h.skippedSteps().subList(0, 1));
        double mse = Losses.mse(LinearModel.of(w).forward(Var.input("x", d.features())), Var.input("y", d.targets())).item();
        double mse0 = Losses.mse(LinearModel.of(frozen).forward(Var.input("x", d.features())), Var.input("y", d.targets())).item();
        assertTrue(mse < mse0 / 3, "float64 mse after training " + mse + ", before " + mse0);
    }

    @Test
    void theProgressLineShowsTheScaleAndSkipsWithinEightyColumns() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Layer net = TrainerTest.irisNet(Activation.TANH, 2);
        Trainer.builder(net, Losses::softmaxCrossEntropy, new Adam(net.parameters(), 0.01)).epochs(2).batchSize(64)
                .precision(Precision.FLOAT16).dynamicLossScale()
                .output(new PrintStream(bytes, true, StandardCharsets.UTF_8)).build().fit(IRIS.train(), IRIS.test());
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("scale 2^15"), out);
        for (String line : out.split("\\R")) {
            if (line.startsWith("epoch") || line.startsWith("  ")) assertTrue(line.length() <= 80, line.length() + ": " + line);
        }
        String nl = System.lineSeparator();
        assertEquals("epoch 3/10 loss 1 lr 0.1" + nl, ConsoleProgress.wrap("epoch 3/10 loss 1", "lr 0.1", null));
        // 24 + 1 + 55 columns fit in 80, 56 do not: the part moves to an indented continuation line
        assertEquals("epoch 3/10 loss 1 lr 0.1 " + "x".repeat(55) + nl,
                ConsoleProgress.wrap("epoch 3/10 loss 1", "lr 0.1", "x".repeat(55)));
        assertEquals("epoch 3/10 loss 1 lr 0.1" + nl + "  " + "x".repeat(56) + nl,
                ConsoleProgress.wrap("epoch 3/10 loss 1", "lr 0.1", "x".repeat(56)));
    }
}
