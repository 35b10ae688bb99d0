package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Same seed, same data: the same bits. The fingerprints were computed with the Trainer before it
 * was split into loop, watchdog, metrics and console parts (commit ad5a24f), so they also pin that
 * the split, the transactional optimiser step and the new checks changed no result.
 */
class TrainerReproducibilityTest {

    @Test
    void theBenchmarkMlpWithAdamGivesTheSameBitsAsBeforeTheSplit() {
        assertEquals(-21101312492147413L, Fingerprint.mlpAdam());
        assertEquals(Fingerprint.mlpAdam(), Fingerprint.mlpAdam());
    }

    @Test
    void irisWithNesterovSgdClippingAndATestSetGivesTheSameBitsAsBeforeTheSplit() {
        assertEquals(-6279717067221554929L, Fingerprint.irisSgd());
    }
}
