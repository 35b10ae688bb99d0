package io.finitegrad.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A layer whose parameters would hold more elements than a Java array is refused before anything
 * is allocated, with the layer, the parameter and the count in long arithmetic (not an int that
 * wrapped to a negative array size).
 */
class LayerSizeTest {
    private static void refused(Executable build, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }

    @Test
    void denseTooWideForAnArray() {
        refused(() -> new Dense("big", 4, 2_000_000_000, Activation.RELU, Init.HE_NORMAL, new Random(1)),
                "Dense 'big'", "W", "4 x 2000000000", "8000000000 elements");
    }

    @Test
    void recurrentGateMatricesCountedInLong() {
        // 4 * hidden and 3 * hidden wrap around an int for these sizes
        refused(() -> new LSTM("seq", 3, 600_000_000, new Random(1)), "LSTM 'seq'", "Wx", "3 x 2400000000");
        refused(() -> new GRU("seq", 3, 800_000_000, new Random(1)), "GRU 'seq'", "Wx", "3 x 2400000000");
        refused(() -> new RNN("seq", 3, 50_000, Activation.TANH, Init.XAVIER_UNIFORM, new Random(1)), "RNN 'seq'", "Wh",
                "50000 x 50000", "2500000000 elements");
    }

    @Test
    void normalisationOverMoreFeaturesThanAnArrayHolds() {
        refused(() -> new BatchNorm("bn", Integer.MAX_VALUE, 1e-5, 0.1), "BatchNorm 'bn'", "gamma", "1 x 2147483647");
        refused(() -> new LayerNorm("ln", Integer.MAX_VALUE, 1e-5), "LayerNorm 'ln'", "gamma", "1 x 2147483647");
    }

    @Test
    void initialiserNamesTheFansAndTheCount() {
        refused(() -> Init.HE_NORMAL.init(100_000, 100_000, new Random(1)), "HE_NORMAL", "100000 x 100000",
                "10000000000 elements");
    }
}
