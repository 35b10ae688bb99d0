package io.finitegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of README.md, taken from the file itself, compiles as the body of a
 * method that declares no exceptions and runs, in order, in one temporary working directory (so a
 * block may read a file an earlier one wrote). jshell would not do: it accepts unhandled checked
 * exceptions at the top level.
 *
 * <p>A block's own {@code import} lines go to the top of its class; the packages a reader of the
 * README has in scope are imported for every block. A fence {@code ```java no-run} marks a block
 * that is deliberately a fragment; there should be few.
 */
class ReadmeJavaBlocksTest {
    private static final List<String> IMPORTS = List.of(
            "io.finitegrad.core.*", "io.finitegrad.autodiff.*", "io.finitegrad.layers.*", "io.finitegrad.optim.*",
            "io.finitegrad.optim.data.*", "io.finitegrad.optim.train.*", "java.util.*", "java.nio.file.*", "java.io.*");
    private static final int MAX_NO_RUN = 3;

    /** A fenced block: where its code starts in the README, its lines, and whether it is meant to run. */
    record Block(int firstLine, List<String> lines, boolean run) {
    }

    static List<Block> javaBlocks(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            String fence = readme.get(i).strip();
            if (!fence.startsWith("```java")) continue;
            boolean run = !List.of(fence.substring(3).split("\\s+")).contains("no-run");
            List<String> body = new ArrayList<>();
            int start = i + 2; // 1-based number of the first code line
            for (i++; i < readme.size() && !readme.get(i).strip().equals("```"); i++) body.add(readme.get(i));
            if (i == readme.size()) throw new IllegalStateException("README.md:" + (start - 1) + ": unclosed java block");
            blocks.add(new Block(start, body, run));
        }
        return blocks;
    }

    /** The README beside the parent pom, wherever the test runs from. */
    static Path readme() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("examples"))) {
                return dir.resolve("README.md");
            }
        }
        throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void everyJavaBlockCompilesWithoutThrowsClauseAndRuns(@TempDir Path tmp) throws Exception {
        List<Block> blocks = javaBlocks(Files.readAllLines(readme(), StandardCharsets.UTF_8));
        assertFalse(blocks.isEmpty(), "README.md has no java blocks");
        long noRun = blocks.stream().filter(b -> !b.run()).count();
        assertTrue(noRun <= MAX_NO_RUN, noRun + " java blocks are marked no-run; fragments should be rare");

        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        List<Path> sources = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            StringBuilder java = new StringBuilder();
            for (String imp : IMPORTS) java.append("import ").append(imp).append(";");
            List<String> body = new ArrayList<>();
            for (String line : b.lines()) {
                if (line.strip().startsWith("import ")) {
                    java.append(line.strip());
                    body.add("");
                } else {
                    body.add(line);
                }
            }
            // Everything above sits on line 1, so README line = class line - 2 + first code line.
            java.append("\nclass ReadmeBlock").append(k).append(" { static void run() {\n");
            for (String line : body) java.append(line).append('\n');
            java.append("}\npublic static void main(String[] a) { run(); } }\n");
            Path file = src.resolve("ReadmeBlock" + k + ".java");
            Files.writeString(file, java, StandardCharsets.UTF_8);
            sources.add(file);
            offsets.add(b.firstLine() - 2);
        }

        // One compilation per block, so an error in one block does not hide those of the next.
        String classPath = System.getProperty("java.class.path");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringBuilder errors = new StringBuilder();
        for (int k = 0; k < sources.size(); k++) {
            DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
            try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
                javac.getTask(null, files, diagnostics,
                        List.of("-classpath", classPath, "-d", classes.toString(), "-proc:none"), null,
                        files.getJavaFileObjectsFromPaths(List.of(sources.get(k)))).call();
            }
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() != Diagnostic.Kind.ERROR) continue;
                errors.append("README.md:").append(d.getLineNumber() + offsets.get(k)).append(": ")
                        .append(d.getMessage(Locale.ROOT)).append('\n');
            }
        }
        assertTrue(errors.length() == 0, "README java blocks do not compile:\n" + errors);

        String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int k = 0; k < blocks.size(); k++) {
            if (!blocks.get(k).run()) continue;
            Process p = new ProcessBuilder(javaExe, "-cp", classes + java.io.File.pathSeparator + classPath, "ReadmeBlock" + k)
                    .directory(work.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("README.md:" + blocks.get(k).firstLine() + ": the block did not finish in 120 s\n" + out);
            }
            assertEquals(0, p.exitValue(), "README.md:" + blocks.get(k).firstLine() + ": the block failed:\n" + out);
        }
    }

    @Test
    void fencesAreParsedWithTheirLineNumbersAndMarks() throws IOException {
        List<Block> blocks = javaBlocks(List.of("text", "```java", "int a = 1;", "```", "```sh", "ls", "```",
                "```java no-run", "x(...);", "```"));
        assertEquals(List.of(new Block(3, List.of("int a = 1;"), true), new Block(9, List.of("x(...);"), false)), blocks);
    }
}
