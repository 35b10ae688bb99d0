package io.finitegrad.optim.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The temporary files of atomic saves. A save of {@code dir/NAME} writes {@code dir/.NAME.<digits>.tmp},
 * holding an exclusive lock on it while it writes, and renames it over the target. A save killed
 * with SIGKILL leaves its temporary file behind, unlocked (the kernel drops a dead process's
 * locks): the next save or load of the same target removes such files, only those named for that
 * target, and never one a live save still holds.
 */
final class SaveFiles {
    /** Temporary files this JVM is writing, so that cleaning never opens one (closing would drop its lock). */
    private static final Set<Path> WRITING = ConcurrentHashMap.newKeySet();

    private SaveFiles() {
    }

    /**
     * Whether {@code candidate} is the name of a temporary file of the target named {@code target}:
     * {@code .target.<digits>.tmp}. The digits-only part keeps the targets apart: {@code .a.5.1.tmp}
     * belongs to {@code a.5}, never to {@code a}.
     */
    static boolean isTempOf(String target, String candidate) {
        String prefix = "." + target + ".", suffix = ".tmp";
        if (!candidate.startsWith(prefix) || !candidate.endsWith(suffix)) return false;
        int from = prefix.length(), to = candidate.length() - suffix.length();
        if (to <= from) return false;
        for (int i = from; i < to; i++) if (candidate.charAt(i) < '0' || candidate.charAt(i) > '9') return false;
        return true;
    }

    /**
     * Removes the temporary files of {@code target} that no save holds. Best effort: a directory
     * that cannot be listed or a file that cannot be removed is left as it is, so a load from a
     * read-only directory still loads.
     */
    static void removeStale(Path target) {
        Path dir = target.getParent();
        if (dir == null || target.getFileName() == null) return;
        String name = target.getFileName().toString();
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, p -> isTempOf(name, p.getFileName().toString()))) {
            for (Path p : temps) if (!WRITING.contains(p)) removeIfUnlocked(p);
        } catch (IOException | DirectoryIteratorException e) {
            // cleaning is a courtesy; the save or load goes on without it
        }
    }

    private static void removeIfUnlocked(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
                FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true)) {
            if (lock != null) Files.deleteIfExists(p);
        } catch (IOException | OverlappingFileLockException e) {
            // held, vanished or not ours to open: leave it
        }
    }

    /**
     * A new temporary file beside {@code target}, open for writing and locked. It has the
     * permissions the umask gives a new file, or, if {@code target} exists, the target's (as an
     * editor keeps a file's mode when it saves over it), set before anything is written.
     */
    static Temp create(Path target) throws IOException {
        Path dir = target.getParent();
        String name = target.getFileName().toString();
        while (true) {
            Path tmp = dir.resolve("." + name + "." + (ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + ".tmp");
            WRITING.add(tmp);
            FileChannel ch;
            try {
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException taken) {
                WRITING.remove(tmp);
                continue;
            } catch (IOException | RuntimeException e) {
                WRITING.remove(tmp);
                throw e;
            }
            Temp t = new Temp(tmp, ch);
            try {
                ch.tryLock(); // held until the channel closes; the file is new, so no one else holds it
                PosixFileAttributeView posix = Files.getFileAttributeView(target, PosixFileAttributeView.class);
                if (posix != null && Files.exists(target)) {
                    Files.setPosixFilePermissions(tmp, posix.readAttributes().permissions());
                }
            } catch (IOException | RuntimeException e) {
                t.close();
                throw e;
            }
            return t;
        }
    }

    /** An open, locked temporary file; closing it unlocks it and removes it unless it was moved over its target. */
    static final class Temp implements AutoCloseable {
        final Path path;
        final FileChannel channel;

        private Temp(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        /** Renames the file over {@code target} atomically; the caller has forced its contents to disk. */
        void moveOver(Path target) throws IOException {
            Files.move(path, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void close() throws IOException {
            try {
                channel.close(); // and with it the lock
                Files.deleteIfExists(path);
            } finally {
                WRITING.remove(path);
            }
        }
    }
}
