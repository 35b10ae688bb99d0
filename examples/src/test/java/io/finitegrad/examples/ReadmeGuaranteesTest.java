package io.finitegrad.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's Guarantees section names, for every promise, the tests that show it: each promise
 * names at least one, and every test it names exists (with the method, where one is named).
 */
class ReadmeGuaranteesTest {
    private static final Pattern TEST = Pattern.compile("`([A-Z][A-Za-z0-9]*Test)(?:\\.([a-z][A-Za-z0-9]*))?`");

    private static List<String> section() {
        List<String> lines = Readme.lines(), out = new ArrayList<>();
        int at = lines.indexOf("## Guarantees");
        assertTrue(at >= 0, "README.md has a '## Guarantees' section");
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) out.add(lines.get(i));
        return out;
    }

    /** The promises: bullets starting with a bold name, each with its continuation lines. */
    private static List<String> promises() {
        List<String> promises = new ArrayList<>();
        for (String line : section()) {
            if (line.startsWith("- **")) promises.add(line);
            else if (!promises.isEmpty() && line.startsWith("  ")) {
                promises.set(promises.size() - 1, promises.get(promises.size() - 1) + " " + line.strip());
            }
        }
        return promises;
    }

    private static Path sourceOf(String testClass) throws IOException {
        Path root = Readme.path().getParent();
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().contains("src" + java.io.File.separator + "test"))
                    .filter(p -> p.getFileName().toString().equals(testClass + ".java")).findFirst().orElse(null);
        }
    }

    @Test
    void everyPromiseNamesATestThatExists() throws IOException {
        List<String> promises = promises();
        assertTrue(promises.size() >= 7, "errors, bounds, saves, long runs, determinism, threads, PyTorch: " + promises);
        for (String promise : promises) {
            Matcher m = TEST.matcher(promise);
            boolean any = false;
            while (m.find()) {
                any = true;
                Path source = sourceOf(m.group(1));
                assertTrue(source != null, "README Guarantees names " + m.group(1) + ", which is not a test in the repository");
                if (m.group(2) != null) {
                    String text = Files.readString(source, StandardCharsets.UTF_8);
                    assertTrue(text.contains(" " + m.group(2) + "("), m.group(1) + " has no test method " + m.group(2));
                }
            }
            assertTrue(any, "this promise names no test: " + promise);
        }
    }

    @Test
    void theSectionPromisesNothingItCallsFuture() {
        for (String line : section()) {
            String l = line.toLowerCase(java.util.Locale.ROOT);
            assertFalse(l.contains("todo") || l.contains("planned") || l.contains("not yet"), line);
        }
    }
}
