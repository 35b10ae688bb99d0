package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Same seed, same data: the same bits. The fingerprints were first computed with the Trainer before
 * it was split into loop, watchdog, metrics and console parts (commit ad5a24f), and pinned that the
 * split, the transactional optimiser step and the new checks changed no result. They were taken
 * again once, when softmaxCrossEntropy stopped forming log-probabilities (issue #11: the same
 * loss, rounded differently), and pin everything since.
 */
class TrainerReproducibilityTest {

    @Test
    void theBenchmarkMlpWithAdamGivesTheSameBitsEveryRun() {
        assertEquals(6442625629223386120L, Fingerprint.mlpAdam());
        assertEquals(Fingerprint.mlpAdam(), Fingerprint.mlpAdam());
    }

    @Test
    void irisWithNesterovSgdClippingAndATestSetGivesTheSameBitsEveryRun() {
        assertEquals(-4525789484689880807L, Fingerprint.irisSgd());
    }
}
