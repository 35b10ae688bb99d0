package io.finitegrad.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * README.md as the README tests read it: the file beside the parent pom, and its fenced blocks.
 * The tests that compare a block with a real run do it through {@link #sync} or
 * {@link #syncExcerpt}: run with {@code -Dreadme.regenerate=true} they write the real output into
 * the block instead of failing, so regenerating every quoted output is one command:
 * {@code mvn -B -o verify -pl examples -am -Dreadme.regenerate=true} (then review the diff).
 */
public final class Readme {
    private Readme() {
    }

    /**
     * A fenced block: the 1-based line of its opening fence, the language and marks of the fence
     * ({@code ```java junit fails} is language {@code java}, marks {@code [junit, fails]}), and its lines.
     */
    public record Fence(int fenceLine, String language, List<String> marks, List<String> lines) {
        /** The 1-based README line of the block's first line. */
        public int firstLine() {
            return fenceLine + 1;
        }
    }

    /** The README beside the parent pom, wherever the test runs from. */
    public static Path path() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("examples"))) {
                return dir.resolve("README.md");
            }
        }
        throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
    }

    /** The README's lines. */
    public static List<String> lines() {
        try {
            return Files.readAllLines(path(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every fenced block, in order.
     *
     * @throws IllegalStateException naming the line of a fence that is never closed
     */
    public static List<Fence> fences(List<String> readme) {
        List<Fence> fences = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            String fence = readme.get(i).strip();
            if (!fence.startsWith("```")) continue;
            String[] info = fence.substring(3).strip().split("\\s+");
            int open = i + 1;
            List<String> body = new ArrayList<>();
            for (i++; i < readme.size() && !readme.get(i).strip().equals("```"); i++) body.add(readme.get(i));
            if (i == readme.size()) throw new IllegalStateException("README.md:" + open + ": unclosed block");
            fences.add(new Fence(open, info[0], List.of(info).subList(1, info.length), body));
        }
        return fences;
    }

    /**
     * The first fenced block after the first line containing {@code marker}.
     *
     * @throws IllegalStateException if there is no such line or no block after it
     */
    public static Fence fenceAfter(List<String> readme, String marker) {
        int at = -1;
        for (int i = 0; i < readme.size() && at < 0; i++) if (readme.get(i).contains(marker)) at = i + 1;
        if (at < 0) throw new IllegalStateException("README.md has no line containing " + marker);
        for (Fence f : fences(readme)) if (f.fenceLine() > at) return f;
        throw new IllegalStateException("README.md:" + at + ": no block after the line containing " + marker);
    }

    /** True when the README tests are to rewrite quoted outputs from the real runs ({@code -Dreadme.regenerate=true}). */
    public static boolean regenerating() {
        return Boolean.getBoolean("readme.regenerate");
    }

    /**
     * Checks that {@code block} is exactly {@code actual}; when {@link #regenerating()}, writes
     * {@code actual} into the README in its place instead.
     *
     * @throws AssertionError (from JUnit) naming the block's line when it differs and not regenerating
     */
    public static void sync(Fence block, List<String> actual, String what) {
        if (regenerating()) {
            replace(block, actual);
            return;
        }
        org.junit.jupiter.api.Assertions.assertEquals(actual, block.lines(),
                "README.md:" + block.firstLine() + " should be " + what + " (regenerate: -Dreadme.regenerate=true)");
    }

    /**
     * Checks that every line of {@code block} is a line of {@code printed}, in order; a README line
     * ending in "..." stands for a printed line that starts with the rest. When
     * {@link #regenerating()}, rewrites each README line from the printed line with the same key
     * (the text before its first ':'), keeping a shortened line as long as it was.
     *
     * @throws AssertionError naming the README line that is not printed (or has no key to regenerate from)
     */
    public static void syncExcerpt(Fence block, List<String> printed, String what) {
        List<String> fresh = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < block.lines().size(); i++) {
            String line = block.lines().get(i);
            boolean cut = line.endsWith("...");
            String prefix = cut ? line.substring(0, line.length() - 3) : line;
            int from = at;
            while (at < printed.size() && !(cut ? printed.get(at).startsWith(prefix) : printed.get(at).equals(line))) at++;
            if (at < printed.size()) {
                fresh.add(line);
                at++;
                continue;
            }
            String where = "README.md:" + (block.firstLine() + i) + " is not what " + what + " prints (in order):\n" + line;
            if (!regenerating()) org.junit.jupiter.api.Assertions.fail(where + "\nprinted:\n" + String.join("\n", printed));
            at = from;
            while (at < printed.size() && !Objects.equals(key(printed.get(at)), key(line))) at++;
            if (at == printed.size()) org.junit.jupiter.api.Assertions.fail(where + "\n(no printed line with its key to regenerate it from)");
            String p = printed.get(at++);
            fresh.add(cut && p.length() > prefix.length() ? p.substring(0, prefix.length()) + "..." : p);
        }
        if (regenerating()) replace(block, fresh);
    }

    private static String key(String line) {
        int colon = line.indexOf(':');
        return colon < 0 ? null : line.substring(0, colon);
    }

    private static void replace(Fence block, List<String> lines) {
        List<String> readme = new ArrayList<>(lines());
        int first = block.firstLine() - 1;
        for (int i = 0; i < block.lines().size(); i++) readme.remove(first);
        readme.addAll(first, lines);
        try {
            Files.write(path(), readme, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
