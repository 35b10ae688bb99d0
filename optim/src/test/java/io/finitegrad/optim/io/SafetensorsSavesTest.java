package io.finitegrad.optim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.finitegrad.core.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a save leaves on disk: stale temporary files of killed saves are removed by the next save
 * or load of the same target (only that target's, and never one a live save holds), and files get
 * the permissions a new file gets, or keep their own when saved over.
 */
class SafetensorsSavesTest {
    @TempDir
    Path dir;

    /** Temporary-file names of {@code model.safetensors}, as a killed save leaves them. */
    static final List<String> STALE = List.of(".model.safetensors.123.tmp", ".model.safetensors.9223372036854775807.tmp");
    /** Files that only look alike: other targets' temporary files, and the user's own files. */
    static final List<String> UNRELATED = List.of(".model.safetensors.tmp", ".model.safetensors.12a.tmp",
            ".model.safetensors.5.tmp.bak", "model.safetensors.123.tmp", ".other.safetensors.123.tmp",
            ".model.safetensors.v2.1.tmp", ".model.safetensors.1.2.tmp", "notes.txt");

    private Set<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new TreeSet<>(files.map(p -> p.getFileName().toString()).toList());
        }
    }

    private void fake(List<String> names) throws IOException {
        for (String n : names) Files.write(dir.resolve(n), new byte[] {1, 2, 3});
    }

    private static Set<String> with(String target, List<String> others) {
        Set<String> s = new TreeSet<>(others);
        s.add(target);
        return s;
    }

    @Test
    void aSaveRemovesItsTargetsStaleTemporaryFilesAndNothingElse() throws IOException {
        fake(STALE);
        fake(UNRELATED);
        Safetensors.write(dir.resolve("model.safetensors"), Map.of("w", Tensor.scalar(1)));
        assertEquals(with("model.safetensors", UNRELATED), names());
    }

    @Test
    void aLoadRemovesItsTargetsStaleTemporaryFilesAndNothingElse() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Safetensors.write(target, Map.of("w", Tensor.scalar(1)));
        fake(STALE);
        fake(UNRELATED);
        assertEquals(Tensor.scalar(1), Safetensors.read(target).tensors().get("w"));
        assertEquals(with("model.safetensors", UNRELATED), names());
        // kept above as another target's: '.model.safetensors.1.2.tmp' is model.safetensors.1's
        Path other = dir.resolve("model.safetensors.1");
        assertThrows(NoSuchFileException.class, () -> Safetensors.read(other)); // no such file, yet its stale files go
        assertFalse(names().contains(".model.safetensors.1.2.tmp"));
    }

    /** Holds an exclusive lock on {@code args[0]} until killed, as a save in progress in another JVM does. */
    public static final class Holder {
        public static void main(String[] args) throws IOException, InterruptedException {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE);
                    java.nio.channels.FileLock lock = ch.lock()) {
                System.out.println("locked " + lock.isValid());
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }

    @Test
    void aTemporaryFileALiveSaveHoldsIsKeptUntilItsWriterDies() throws Exception {
        Path target = dir.resolve("model.safetensors");
        Path live = dir.resolve(".model.safetensors.42.tmp");
        fake(List.of(live.getFileName().toString()));
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), live.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked true", out.readLine(), "the holder JVM locked the file");
            Safetensors.write(target, Map.of("w", Tensor.scalar(1)));
            Safetensors.read(target);
            assertTrue(Files.exists(live), "a save in progress elsewhere keeps its temporary file");
        } finally {
            holder.destroyForcibly(); // SIGKILL, as a killed save
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "the holder died");
        }
        Safetensors.read(target);
        assertFalse(Files.exists(live), "once its writer is dead the file is stale, and the next load removes it");
    }

    @Test
    void aNewFileGetsThePermissionsTheUmaskGives() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path probe = Files.createFile(dir.resolve("probe")); // a new file, as the umask makes it
        Path target = dir.resolve("model.safetensors");
        Safetensors.write(target, Map.of("w", Tensor.scalar(1)));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(probe)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    void aFileSavedOverKeepsItsPermissions() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path target = dir.resolve("model.safetensors");
        Safetensors.write(target, Map.of("w", Tensor.scalar(1)));
        for (String mode : List.of("rw-r-----", "rw-rw-rw-", "r--------")) {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(mode));
            Safetensors.write(target, Map.of("w", Tensor.scalar(2)));
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
            assertEquals(Tensor.scalar(2), Safetensors.read(target).tensors().get("w"));
        }
    }
}
