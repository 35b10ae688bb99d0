package io.finitegrad.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** README.md as the README tests read it: the file beside the parent pom, and its fenced blocks. */
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
}
