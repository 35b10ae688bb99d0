package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.finitegrad.core.Gemm;
import org.junit.jupiter.api.Test;

/**
 * Same seed, same data: the same bits. The fingerprints were first computed with the Trainer before
 * it was split into loop, watchdog, metrics and console parts (commit ad5a24f), and pinned that the
 * split, the transactional optimiser step and the new checks changed no result. They were taken
 * again once, when softmaxCrossEntropy stopped forming log-probabilities (issue #11: the same
 * loss, rounded differently), and pin everything since.
 *
 * <p>They are EJML's bits, so the products run pinned to {@link Gemm.Kernel#JAVA}: OpenBLAS rounds
 * its sums differently and picks its kernels per CPU, so its fingerprint is one per host (issue #18).
 */
@SuppressWarnings("try") // the pin scope is opened for its effect, never read
class TrainerReproducibilityTest {

    @Test
    void theBenchmarkMlpWithAdamGivesTheSameBitsEveryRun() throws Exception {
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.JAVA)) {
            assertEquals(6442625629223386120L, Fingerprint.mlpAdam());
        }
        assertEquals(Fingerprint.mlpAdam(), Fingerprint.mlpAdam()); // two runs agree under any kernel
    }

    @Test
    void irisWithNesterovSgdClippingAndATestSetGivesTheSameBitsEveryRun() throws Exception {
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.JAVA)) {
            assertEquals(-4525789484689880807L, Fingerprint.irisSgd());
        }
    }
}
