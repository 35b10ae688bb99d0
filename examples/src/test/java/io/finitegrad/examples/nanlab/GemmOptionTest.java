package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.finitegrad.core.Gemm;
import io.finitegrad.optim.io.Safetensors;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --gemm} pins the kernel for any subcommand; {@code --version} names the kernel in force. */
class GemmOptionTest {
    @TempDir
    Path dir;

    @Test
    void versionNamesTheKernelInForceWithinEightyColumns() {
        Cli java = Cli.run("--gemm", "java", "--version");
        assertEquals(NanLab.OK, java.code(), java.err());
        assertTrue(java.out().startsWith("nanlab 0.1.0\ngemm java: EJML "), java.out());
        for (String line : java.out().lines().toList()) assertTrue(line.length() <= 80, line);
        assumeTrue(Gemm.nativeAvailable(), "OpenBLAS did not load");
        Cli blas = Cli.run("--gemm", "openblas", "--version");
        assertTrue(blas.out().startsWith("nanlab 0.1.0\ngemm openblas: OpenBLAS "), blas.out());
        assertTrue(blas.out().contains("OPENBLAS_CORETYPE"), blas.out());
        for (String line : blas.out().lines().toList()) assertTrue(line.length() <= 80, line);
    }

    @Test
    void aBadValueIsAnInputErrorNamingTheFlagAndTheValue() {
        String line = Cli.run("--gemm", "mkl", "list").inputErrorLine();
        assertTrue(line.contains("--gemm") && line.contains("'mkl'") && line.contains("java, openblas or auto"), line);
    }

    /**
     * The setting is read once per JVM, so a bad one is tried in a JVM of its own: before, its
     * ExceptionInInitializerError came out as an internal error with a stack trace, and every later
     * product in that JVM threw NoClassDefFoundError without a word on the setting.
     */
    @Test
    void aBadSettingIsAnInputErrorNamingThePropertyAndTheValue() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dfinitegrad.gemm=bogus",
                NanLab.class.getName(), "--version").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(NanLab.INPUT_ERROR, p.waitFor(), err);
        assertEquals("nanlab: finitegrad.gemm (or FINITEGRAD_GEMM) is 'bogus': use java, openblas or auto\n", err);
    }

    @Test
    void theOptionAppliesAfterTheSubcommandTooAndTheCheckpointNamesTheKernel() throws Exception {
        Path data = Cli.iris(dir);
        Gemm.Kernel before = Gemm.kernel();
        for (String kernel : Gemm.nativeAvailable() ? new String[] {"java", "openblas"} : new String[] {"java"}) {
            Path model = dir.resolve(kernel + ".safetensors");
            Cli run = Cli.run("train", "--data", data.toString(), "--label", "species", "--epochs", "2",
                    "--save", model.toString(), "--gemm", kernel);
            assertEquals(NanLab.OK, run.code(), run.out() + run.err());
            assertEquals(kernel, Safetensors.read(model).metadata().get("gemm"));
            assertEquals(before, Gemm.kernel(), "the pin ends with the command");
        }
    }
}
