package io.finitegrad.examples.nanlab;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The check every command that writes a file makes before doing any work: the path a flag names
 * must be a file path in an existing, writable directory, so hours of training are never lost to
 * a typo in {@code --save}.
 */
final class SaveTarget {
    private SaveTarget() {
    }

    /**
     * Refuses {@code target}, named by {@code flag}, if it cannot be written.
     *
     * @throws InputException naming the flag and the path if it is a directory, or its parent is
     *     missing or not writable
     */
    static void require(String flag, Path target) {
        if (Files.isDirectory(target)) throw new InputException(flag + " " + target + ": is a directory, expected a file path");
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new InputException(flag + " " + target + ": parent directory " + parent + " does not exist");
        }
        if (!Files.isWritable(parent)) {
            throw new InputException(flag + " " + target + ": parent directory " + parent + " is not writable");
        }
    }
}
