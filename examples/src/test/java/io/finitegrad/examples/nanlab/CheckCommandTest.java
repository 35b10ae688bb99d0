package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nanlab check} and {@code nanlab train --check} as a user runs them: output, files, exit codes 0 / 1 / 2. */
class CheckCommandTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static void narrow(Cli r) {
        for (String line : r.out().lines().toList()) {
            // the report's own lines are the engine's; nanlab's own lines stay within 80 columns
            if (line.startsWith("== Check") || line.startsWith("The lesson's promise") || line.startsWith("warning:")
                    || line.startsWith("Before the first step")) {
                assertTrue(line.length() <= 80, "80 columns: " + line);
            }
        }
    }

    @Test
    void aConfirmedDefectExits1AndTheOutputNamesItsInputAndTheGuardsReport() {
        Cli r = Cli.run("check", "custom-loss-div");
        String out = r.out();
        assertTrue(out.contains("== Check of lesson 8: custom-loss-div (broken), float32"), out);
        assertTrue(out.contains("Finiteness check (forward and backward, float32)"), out);
        assertTrue(out.contains("The lesson's promise (present at the initial weights"), out);
        assertEquals("", r.err());
        narrow(r);
        if (out.contains("CONFIRMED")) {
            assertEquals(NanLab.NON_FINITE, r.code(), out);
            assertTrue(out.contains("guard: "), out);
        } else {
            assertEquals(NanLab.OK, r.code(), out);
        }
    }

    @Test
    void theExitCodeIsOneExactlyWhenADefectIsConfirmedAndZeroOtherwise() {
        for (String[] args : new String[][] {{"check", "4"}, {"check", "1", "--fixed"}, {"check", "2", "--precision", "fp64"}}) {
            Cli r = Cli.run(args);
            boolean confirmed = r.out().contains("CONFIRMED after");
            assertEquals(confirmed ? NanLab.NON_FINITE : NanLab.OK, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
            boolean certified = r.out().contains("): CERTIFIED");
            if (!certified && !confirmed) assertTrue(r.out().contains("warning: not certified, but no defect was confirmed"), r.out());
            narrow(r);
        }
    }

    @Test
    void outWritesTheReportAsTextAndJsonTheBoundsAndTheGraph(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("check");
        Cli r = Cli.run("check", "sqrt-at-zero", "--fixed", "--tries", "20", "--out", out.toString());
        assertTrue(r.code() == NanLab.OK || r.code() == NanLab.NON_FINITE, r.out() + r.err());
        for (String f : new String[] {"report.txt", "report.json", "bounds.json", "graph.dot"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
            assertTrue(r.out().contains("wrote " + out.resolve(f)), r.out());
        }
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        assertTrue(report.isObject(), report.toString());
        JsonNode bounds = JSON.readTree(out.resolve("bounds.json").toFile());
        assertTrue(bounds.isContainerNode() && bounds.size() > 0, bounds.toString());
        String dot = Files.readString(out.resolve("graph.dot"));
        assertTrue(dot.startsWith("digraph finiteness {") && dot.strip().endsWith("}"), dot);
        String text = Files.readString(out.resolve("report.txt"));
        assertTrue(text.contains("Finiteness check (") && text.contains("The lesson's promise"), text);
    }

    @Test
    void badFlagsAndUnknownScenariosExit2WithOneLine() {
        assertTrue(Cli.run("check", "no-such-lesson").inputErrorLine().contains("unknown scenario 'no-such-lesson'"));
        assertTrue(Cli.run("check", "7", "--precision", "fp8").inputErrorLine().contains("--precision: unknown 'fp8'"));
        assertTrue(Cli.run("check", "7", "--tries", "-1").inputErrorLine().contains("--tries must be >= 0"));
        assertTrue(Cli.run("check", "7", "--frobnicate").inputErrorLine().contains("--frobnicate"));
        assertTrue(Cli.run("check").inputErrorLine().contains("SCENARIO"));
    }

    @Test
    void helpListsTheCheckCommand() {
        Cli r = Cli.run("--help");
        assertEquals(NanLab.OK, r.code(), r.err());
        assertTrue(r.out().contains("check"), r.out());
        Cli h = Cli.run("check", "--help");
        assertEquals(NanLab.OK, h.code(), h.err());
        assertTrue(h.out().contains("--fixed") && h.out().contains("--out"), h.out());
    }

    @Test
    void trainCheckAnalysesTheMlpBeforeTheFirstStep(@TempDir Path dir) throws Exception {
        Path iris = Cli.iris(dir);
        Cli r = Cli.run("train", "--data", iris.toString(), "--label", "species", "--epochs", "2", "--quiet", "--check");
        String out = r.out();
        assertTrue(out.contains("Finiteness check (forward and backward, float32)"), out);
        if (out.contains("CONFIRMED after")) {
            assertEquals(NanLab.NON_FINITE, r.code(), out);
            assertTrue(out.contains("--check: a confirmed defect (above): training not started."), out);
        } else {
            assertEquals(NanLab.OK, r.code(), out + r.err());
            assertTrue(out.contains("--check: certified; training starts.") || out.contains("warning: --check could not"), out);
            assertTrue(out.contains("train loss"), out);
        }
    }

    @Test
    void trainCheckConfirmsANaNCellAndDoesNotTrain(@TempDir Path dir) throws Exception {
        Path iris = Cli.iris(dir);
        java.util.List<String> lines = new java.util.ArrayList<>(Files.readAllLines(iris));
        lines.set(5, lines.get(5).replaceFirst("^[^,]+", "NaN"));
        Path bad = dir.resolve("bad.csv");
        Files.write(bad, lines);
        Cli r = Cli.run("train", "--data", bad.toString(), "--label", "species", "--bad-cells", "keep-non-finite",
                "--scale", "none", "--test-fraction", "0", "--epochs", "2", "--quiet", "--check");
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("NON_FINITE_INPUT"), r.out());
        assertTrue(r.out().contains("--check: a confirmed defect (above): training not started."), r.out());
        assertTrue(!r.out().contains("train loss"), r.out());
    }
}
