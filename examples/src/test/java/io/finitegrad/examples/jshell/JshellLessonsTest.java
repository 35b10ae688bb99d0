package io.finitegrad.examples.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every lesson script in {@code examples/jshell/} runs in the JDK's jshell, snippet by snippet, on
 * the project's class path, without a compile error or an uncaught exception, and leaves the values
 * its comments teach.
 */
class JshellLessonsTest {
    private static final Path LESSONS = Path.of("jshell");

    /** For each script, expressions evaluated after it and the value each must show. */
    private static final Map<String, Map<String, String>> TAUGHT = Map.of(
            "01-three-node-graph.jsh", Map.of(
                    "loss.item()", "2.0794415416798357",
                    "x.grad().get(0, 1)", "0.25",
                    "report.cause()", "LOG_OF_ZERO",
                    "report.phase()", "FORWARD"),
            "02-masked-branch.jsh", Map.of(
                    "loss", "0.6931471805599453",
                    "reports.size()", "1",
                    "reports.get(0).cause()", "LOG_OF_ZERO",
                    "reports.get(0).consequences().get(0).contains(\": ZERO_TIMES_INF:\")", "true",
                    "Double.isNaN(p.grad().get(1, 0))", "true",
                    "q.grad().get(1, 0)", "0.0"),
            "03-softmax-overflow.jsh", Map.of(
                    "report.cause()", "EXP_OVERFLOW",
                    "report.label()", "\"naiveSoftmax/exp\"",
                    "stable.item()", "1000.0",
                    "logits.grad().get(0, 1)", "-1.0"),
            "04-gradient-stability.jsh", Map.of(
                    "failure.property()", "\"finiteGradients(naive logSoftmax)\"",
                    "failure.input()", "\"1x3 [[0.0, 1.0, -709.782712893384]]\"",
                    "failure.report().label()", "\"naiveLogSoftmax/log\"",
                    "failure.report().phase() + \" \" + failure.report().cause()", "\"BACKWARD OVERFLOW\"",
                    "failure.getMessage().contains(\"guard: NaN/Inf entry point (BACKWARD): log 'naiveLogSoftmax/log'\")", "true",
                    "naive.at()", "709.7827128933841",
                    "naive.node() + \" \" + naive.cause()", "\"naiveSoftmax/exp EXP_OVERFLOW\"",
                    "stable.toString()", "\"none in [0.0, 1000.0]\""));

    @Test
    void everyScriptInTheDirectoryHasItsLessonChecked() throws IOException {
        assertEquals(TAUGHT.keySet(), scripts().stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
    }

    @Test
    void everyScriptSaysHowToOpenItWithTheClassPathItNeeds() throws IOException {
        String quickTheories = classPath().stream().map(e -> Path.of(e).getFileName().toString())
                .filter(n -> n.startsWith("quicktheories-") && n.endsWith(".jar")).findFirst().orElseThrow();
        for (Path script : scripts()) {
            String text = Files.readString(script);
            String open = "jshell --class-path examples/target/nanlab.jar";
            assertTrue(text.contains(open), script + " says how to open it: " + open);
            if (text.contains("proptest")) {
                // the kit's property tests need QuickTheories, which the shaded jar leaves out
                assertTrue(text.contains(open + ":") && text.contains(quickTheories + " examples/jshell/" + script.getFileName()),
                        script + " puts " + quickTheories + " on its class path");
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> eachScriptRunsCleanlyAndTeachesItsValues() throws IOException {
        return scripts().stream().map(script -> DynamicTest.dynamicTest(script.getFileName().toString(), () -> {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
            // "local": snippets run in this JVM, which is quicker than the remote agent jshell starts by default
            try (JShell shell = JShell.builder().executionEngine("local").out(out).err(out).build()) {
                for (String entry : classPath()) shell.addToClasspath(entry);
                runScript(shell, script);
                Map<String, String> taught = TAUGHT.getOrDefault(script.getFileName().toString(), Map.of());
                for (Map.Entry<String, String> e : taught.entrySet()) {
                    assertEquals(e.getValue(), value(shell, script, e.getKey()), script + ": " + e.getKey());
                }
            }
        }));
    }

    private static List<Path> scripts() throws IOException {
        try (Stream<Path> files = Files.list(LESSONS)) {
            List<Path> found = files.filter(p -> p.toString().endsWith(".jsh")).sorted().toList();
            assertTrue(found.size() >= 4, "lesson scripts in " + LESSONS.toAbsolutePath());
            return found;
        }
    }

    /** The test JVM's class path: the project's modules and their dependencies. */
    private static List<String> classPath() {
        String cp = System.getProperty("java.class.path");
        if (!cp.contains("finitegrad") && !cp.contains("classes")) cp = System.getProperty("surefire.test.class.path", cp);
        return List.of(cp.split(File.pathSeparator));
    }

    /**
     * Runs the script as jshell does when it opens the file: line by line, each snippet as soon as
     * the lines so far complete one, so a statement continued on the next line ({@code f(x)} then
     * {@code .check();}) is run, and rejected, as in jshell, not joined.
     */
    private static void runScript(JShell shell, Path script) throws IOException {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String pending = "";
        for (String line : Files.readAllLines(script)) {
            pending += line + "\n";
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(pending);
            while (info.completeness().isComplete()) {
                check(shell, script, info.source(), shell.eval(info.source()));
                pending = info.remaining();
                info = analysis.analyzeCompletion(pending);
            }
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) pending = "";
        }
        if (!pending.isBlank()) fail(script + ": incomplete snippet at the end: " + pending);
    }

    private static String value(JShell shell, Path script, String expression) {
        List<SnippetEvent> events = shell.eval(expression);
        check(shell, script, expression, events);
        return events.get(events.size() - 1).value();
    }

    private static void check(JShell shell, Path script, String source, List<SnippetEvent> events) {
        for (SnippetEvent e : events) {
            if (e.status() == Snippet.Status.REJECTED) {
                String why = shell.diagnostics(e.snippet()).map(d -> d.getMessage(null)).collect(Collectors.joining("; "));
                fail(script + ": rejected: " + source.strip() + ": " + why);
            }
            assertNull(e.exception(), () -> script + ": " + source.strip() + " threw " + e.exception());
        }
    }
}
