package io.finitegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.finitegrad.autodiff.proptest.PropertyFailure;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Every {@code ```java} block of README.md, taken from the file itself, compiles and runs.
 *
 * <p>A plain {@code ```java} block is the body of a method that declares no exceptions, and the
 * blocks run in order in one temporary working directory (so a block may read a file an earlier
 * one wrote). jshell would not do: it accepts unhandled checked exceptions at the top level. A
 * block's own {@code import} lines go to the top of its class; the packages a reader of the README
 * has in scope are imported for every block. A fence {@code ```java no-run} marks a block that is
 * deliberately a fragment; there should be few.
 *
 * <p>A {@code ```java junit} block is a whole JUnit 5 test class, compiled as its own file named
 * after its first class (with the README's imports too, on its first line, so its line numbers
 * are the block's) and run with the JUnit Platform Launcher, as a user's build would; later blocks
 * may use earlier ones' classes. Its tests must pass, unless it is marked
 * {@code ```java junit fails}: then its one test must fail with a {@link PropertyFailure} whose
 * message is exactly the {@code ```text} block that follows it in the README. The properties run
 * with the kit's defaults (the build's {@code QT_SEED}/{@code QT_EXAMPLES} are lifted meanwhile),
 * which is what a reader who copies the class sees.
 */
class ReadmeJavaBlocksTest {
    private static final List<String> IMPORTS = List.of(
            "io.finitegrad.core.*", "io.finitegrad.autodiff.*", "io.finitegrad.layers.*", "io.finitegrad.optim.*",
            "io.finitegrad.optim.data.*", "io.finitegrad.optim.train.*", "java.util.*", "java.nio.file.*", "java.io.*");
    private static final int MAX_NO_RUN = 3;
    private static final String JUNIT = "junit";
    private static final Pattern TOP_LEVEL_CLASS = Pattern.compile("(?m)^(?:public\\s+)?(?:final\\s+)?class\\s+(\\w+)");

    /** A method-body block: where its code starts in the README, its lines, and whether it is meant to run. */
    record Block(int firstLine, List<String> lines, boolean run) {
    }

    /** A JUnit class block: where it starts, its lines, and the failure message it claims (null: it passes). */
    record JunitBlock(int firstLine, List<String> lines, List<String> failure) {
    }

    /** The {@code ```java} blocks that are method bodies: every one but the JUnit classes. */
    static List<Block> javaBlocks(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (Readme.Fence f : Readme.fences(readme)) {
            if (!f.language().equals("java") || f.marks().contains(JUNIT)) continue;
            blocks.add(new Block(f.firstLine(), f.lines(), !f.marks().contains("no-run")));
        }
        return blocks;
    }

    /**
     * The {@code ```java junit} blocks. One marked {@code fails} claims its test fails with the
     * message in the {@code ```text} block right after it.
     *
     * @throws IllegalStateException naming the line of a {@code fails} block without that text block
     */
    static List<JunitBlock> junitBlocks(List<String> readme) {
        List<Readme.Fence> fences = Readme.fences(readme);
        List<JunitBlock> blocks = new ArrayList<>();
        for (int k = 0; k < fences.size(); k++) {
            Readme.Fence f = fences.get(k);
            if (!f.language().equals("java") || !f.marks().contains(JUNIT)) continue;
            if (!f.marks().contains("fails")) {
                blocks.add(new JunitBlock(f.firstLine(), f.lines(), null));
                continue;
            }
            if (k + 1 == fences.size() || !fences.get(k + 1).language().equals("text")) {
                throw new IllegalStateException("README.md:" + f.fenceLine()
                        + ": a ```java junit fails block must be followed by a ```text block holding the failure's message");
            }
            blocks.add(new JunitBlock(f.firstLine(), f.lines(), fences.get(k + 1).lines()));
        }
        return blocks;
    }

    @Test
    void everyJavaBlockCompilesWithoutThrowsClauseAndRuns(@TempDir Path tmp) throws Exception {
        List<Block> blocks = javaBlocks(Readme.lines());
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
            StringBuilder java = new StringBuilder(readmeImports());
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
        String errors = compile(sources, offsets, classes);
        assertTrue(errors.isEmpty(), "README java blocks do not compile:\n" + errors);

        String classPath = System.getProperty("java.class.path");
        String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int k = 0; k < blocks.size(); k++) {
            if (!blocks.get(k).run()) continue;
            Process p = new ProcessBuilder(javaExe, "-cp", classes + File.pathSeparator + classPath, "ReadmeBlock" + k)
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
    void everyJunitBlockFailsWithTheMessageShownOrPasses(@TempDir Path tmp) throws Exception {
        List<JunitBlock> blocks = junitBlocks(Readme.lines());
        assertTrue(blocks.stream().anyMatch(b -> b.failure() != null), "the README shows a failing property");
        assertTrue(blocks.stream().anyMatch(b -> b.failure() == null), "the README shows the fix passing");

        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        List<String> names = new ArrayList<>();
        for (JunitBlock b : blocks) {
            String code = String.join("\n", b.lines()) + "\n";
            Matcher m = TOP_LEVEL_CLASS.matcher(code);
            assertTrue(m.find(), "README.md:" + b.firstLine() + ": a java junit block declares no top-level class");
            names.add(m.group(1));
            Path file = src.resolve(m.group(1) + ".java");
            Files.writeString(file, readmeImports() + code, StandardCharsets.UTF_8);
            // One file at a time, in README order, each seeing the classes of the blocks before it.
            String errors = compile(List.of(file), List.of(b.firstLine() - 1), classes);
            assertTrue(errors.isEmpty(), "README java junit block does not compile:\n" + errors);
        }

        String seed = System.clearProperty("QT_SEED"), examples = System.clearProperty("QT_EXAMPLES");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            for (int k = 0; k < blocks.size(); k++) {
                JunitBlock b = blocks.get(k);
                String where = "README.md:" + b.firstLine() + " (" + names.get(k) + "): ";
                TestExecutionSummary summary = runJunit(loader.loadClass(names.get(k)));
                assertTrue(summary.getTestsFoundCount() > 0, where + "no @Test found");
                if (b.failure() == null) {
                    assertEquals(List.of(), summary.getFailures().stream().map(f -> f.getException().toString()).toList(),
                            where + "its tests should pass");
                    assertEquals(summary.getTestsFoundCount(), summary.getTestsSucceededCount(), where + "every test should pass");
                    continue;
                }
                assertEquals(1, summary.getTestsFoundCount(), where + "a failing block shows one test");
                assertEquals(1, summary.getFailures().size(), where + "its test should fail");
                Throwable thrown = summary.getFailures().get(0).getException();
                PropertyFailure failure = assertInstanceOf(PropertyFailure.class, thrown, where + "should fail with a PropertyFailure");
                assertEquals(String.join("\n", b.failure()), failure.getMessage(),
                        where + "the ```text block after it should be its failure message");
            }
        } finally {
            restore("QT_SEED", seed);
            restore("QT_EXAMPLES", examples);
        }
    }

    @Test
    void fencesAreParsedWithTheirLineNumbersAndMarks() throws IOException {
        List<String> readme = List.of("text", "```java", "int a = 1;", "```", "```sh", "ls", "```",
                "```java no-run", "x(...);", "```", "```java junit fails", "class A {}", "```", "```text", "boom", "```",
                "```java junit", "class B {}", "```");
        assertEquals(List.of(new Block(3, List.of("int a = 1;"), true), new Block(9, List.of("x(...);"), false)), javaBlocks(readme));
        assertEquals(List.of(new JunitBlock(12, List.of("class A {}"), List.of("boom")), new JunitBlock(18, List.of("class B {}"), null)),
                junitBlocks(readme));
        IllegalStateException noMessage = assertThrows(IllegalStateException.class,
                () -> junitBlocks(List.of("", "```java junit fails", "class A {}", "```")));
        assertTrue(noMessage.getMessage().startsWith("README.md:2: "), noMessage.getMessage());
        IllegalStateException unclosed = assertThrows(IllegalStateException.class, () -> Readme.fences(List.of("```java", "x")));
        assertEquals("README.md:1: unclosed block", unclosed.getMessage());
    }

    /** The imports every block gets, all on one line. */
    private static String readmeImports() {
        StringBuilder sb = new StringBuilder();
        for (String imp : IMPORTS) sb.append("import ").append(imp).append(";");
        return sb.toString();
    }

    /**
     * Compiles each file on its own (so an error in one does not hide those of the next) into
     * {@code classes}, which is also on the class path; returns the errors at their README lines
     * (file line + offset), or "".
     */
    private static String compile(List<Path> sources, List<Integer> offsets, Path classes) throws IOException {
        String classPath = classes + File.pathSeparator + System.getProperty("java.class.path");
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
        return errors.toString();
    }

    private static TestExecutionSummary runJunit(Class<?> testClass) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(
                LauncherDiscoveryRequestBuilder.request().selectors(DiscoverySelectors.selectClass(testClass)).build(), listener);
        return listener.getSummary();
    }

    private static void restore(String property, String value) {
        if (value != null) System.setProperty(property, value);
    }
}
