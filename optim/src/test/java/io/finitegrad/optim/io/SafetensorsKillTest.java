package io.finitegrad.optim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save killed with SIGKILL part-way never loses the previous file: another JVM rewrites a
 * checkpoint over and over and is killed at a few different moments; each time the target still
 * reads back whole, as the old contents or as one complete new write.
 */
class SafetensorsKillTest {
    @TempDir
    Path dir;

    /** The writer the test kills: rewrites {@code args[0]} with a 4M-element tensor until it dies. */
    public static final class Writer {
        public static void main(String[] args) throws IOException {
            Path target = Path.of(args[0]);
            Tensor big = Tensor.of(1024, 4096, new double[1024 * 4096]).map(x -> 2.0);
            System.out.println("writing");
            System.out.flush();
            while (true) Safetensors.write(target, Map.of("w", big), Map.of("by", "writer"));
        }
    }

    @Test
    void aKilledSaveLeavesTheTargetWhole() throws Exception {
        Path target = dir.resolve("model.safetensors");
        Tensor old = Tensor.of(2, 2, 1, 2, 3, 4);
        Safetensors.write(target, Map.of("w", old), Map.of("by", "test"));
        for (long delayMs : List.of(0L, 40L, 150L, 400L)) {
            Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), Writer.class.getName(), target.toString())
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertEquals("writing", out.readLine(), "the writer JVM started");
                Thread.sleep(delayMs);
                writer.destroyForcibly(); // SIGKILL: no finally block, no shutdown hook runs
                assertTrue(writer.waitFor(30, TimeUnit.SECONDS), "the writer died");
            }
            NamedTensors read = Safetensors.read(target);
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
                assertEquals(List.of(target), files.toList(), "killed after " + delayMs
                        + " ms: the load removed the killed save's temporary file");
            }
            String by = read.metadata().get("by");
            if (by.equals("test")) {
                assertEquals(old, read.tensors().get("w"), "killed after " + delayMs + " ms: the old file is intact");
            } else {
                assertEquals("writer", by);
                assertEquals("1024x4096", read.tensors().get("w").shape(), "a complete new write");
                assertEquals(2.0, read.tensors().get("w").get(1023, 4095));
            }
        }
    }
}
