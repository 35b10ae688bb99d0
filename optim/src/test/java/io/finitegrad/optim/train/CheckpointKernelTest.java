package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.finitegrad.core.Gemm;
import io.finitegrad.layers.Activation;
import io.finitegrad.layers.Dense;
import io.finitegrad.layers.Init;
import io.finitegrad.layers.Layer;
import io.finitegrad.optim.io.Safetensors;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint names the matrix-multiply kernel in force when it was saved, since its bits depend on it. */
@SuppressWarnings("try") // pin scopes are opened for their effect, never read
class CheckpointKernelTest {
    @TempDir
    Path dir;

    private static Layer net() {
        return new Dense("d", 3, 2, Activation.IDENTITY, Init.XAVIER_UNIFORM, new Random(1));
    }

    @Test
    void theKernelInForceIsRecordedUnderGemm() throws Exception {
        Path f = dir.resolve("java.safetensors");
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.JAVA)) {
            Checkpoint.saveModel(f, net());
        }
        assertEquals("java", Safetensors.read(f).metadata().get(Checkpoint.GEMM_KEY));
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.OPENBLAS)) {
            Checkpoint.saveModel(f, net());
        }
        assertEquals("openblas", Safetensors.read(f).metadata().get(Checkpoint.GEMM_KEY));
    }

    @Test
    void metadataReadBackFromAnotherKernelsFileIsSavedWithTheKernelNow() throws Exception {
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        Path f = dir.resolve("m.safetensors");
        Map<String, String> read;
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.OPENBLAS)) {
            Checkpoint.saveModel(f, net(), Map.of("epoch", "3"));
            read = Checkpoint.loadModel(f, net());
        }
        try (Gemm.Pin pin = Gemm.use(Gemm.Kernel.JAVA)) {
            Checkpoint.saveModel(f, net(), read); // fine-tuned in Java: no clash, the file says java
        }
        Map<String, String> now = Safetensors.read(f).metadata();
        assertEquals("java", now.get(Checkpoint.GEMM_KEY));
        assertEquals("3", now.get("epoch"));
    }
}
