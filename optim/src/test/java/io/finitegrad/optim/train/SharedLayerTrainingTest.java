package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.finitegrad.core.Tensor;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Losses;
import io.finitegrad.layers.Sequential;
import io.finitegrad.optim.Adam;
import io.finitegrad.optim.data.Dataset;
import io.finitegrad.optim.io.Safetensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model that uses one layer twice trains with Adam and saves and loads each tensor once. */
class SharedLayerTrainingTest {
    @TempDir
    Path dir;

    private static Sequential twice(long seed) {
        Dense d = new Dense("d", 4, 4, Activation.TANH, Init.XAVIER_UNIFORM, new Random(seed));
        return new Sequential(d, d);
    }

    @Test
    void adamTrainsASharedLayerAndTheCheckpointHoldsItOnce() throws Exception {
        Sequential net = twice(1);
        Tensor before = net.parameters().get(0).value();
        Random rng = new Random(2);
        double[] x = new double[32 * 4], y = new double[32 * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
            y[i] = 0.5 * Math.tanh(x[i]);
        }
        Dataset data = Dataset.of(Tensor.of(32, 4, x), Tensor.of(32, 4, y));
        History h = Trainer.builder(net, Losses::mse, new Adam(net.parameters(), 0.01)).epochs(3).batchSize(8).quiet(true)
                .build().fit(data);
        assertEquals(3, h.size());
        assertNotEquals(before, net.parameters().get(0).value());

        Path f = dir.resolve("shared.safetensors");
        Checkpoint.saveModel(f, net);
        assertEquals(List.of("d/W", "d/b"), List.copyOf(Safetensors.read(f).tensors().keySet()));
        Sequential fresh = twice(9);
        Checkpoint.loadModel(f, fresh);
        assertEquals(net.parameters().get(0).value(), fresh.parameters().get(0).value());
        assertEquals(net.parameters().get(1).value(), fresh.parameters().get(1).value());
    }
}
