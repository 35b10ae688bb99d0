package io.finitegrad.examples.nanlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.finitegrad.core.Precision;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The files of {@code nanlab run --out DIR} exist and are well-formed, with and without Graphviz. */
class RunArtifactsTest {
    @TempDir
    Path dir;

    @Test
    void runWithOutWritesReportGraphCurvesAndASelfContainedPage() throws Exception {
        Path out = dir.resolve("lesson16");
        Cli r = Cli.run("run", "16", "--quiet", "--out", out.toString());
        assertEquals(NanLab.NON_FINITE, r.code(), r.out() + r.err());

        String text = Files.readString(out.resolve("report.txt"));
        assertTrue(text.contains("NaN/Inf entry point (FORWARD): log 'maskedNll/log'"), text);
        assertTrue(text.contains("then:      backward through log 'maskedNll/log'"), text);
        JsonNode json = JsonMapper.builder().build().readTree(out.resolve("report.json").toFile());
        assertTrue(json.isArray() && json.size() == 1
                && json.get(0).get("consequences").get(0).asText().contains("ZERO_TIMES_INF"), json.toString());

        String dot = Files.readString(out.resolve("graph.dot"));
        assertDot(dot);
        Graphviz gv = Graphviz.system();
        if (gv.available()) {
            assertTrue(Files.readString(out.resolve("graph.svg")).contains("<svg"), "graph.svg");
            assertTrue(gv.svg(dot).contains("</svg>"), "dot parses graph.dot");
            assertFalse(r.out().contains("not installed"), r.out());
        }
        TrainPredictTest.assertPng(out.resolve("loss.png"));
        TrainPredictTest.assertPng(out.resolve("gradnorm.png"));

        Document page = parse(out.resolve("index.html"));
        assertPage(page, gv.available());
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("where(mask, log(where(mask, p, 1)), 0)"), "the fix is told");
        assertTrue(html.contains("ZERO_TIMES_INF"), "the report is shown");
        assertTrue(html.contains("Format: float32, the lesson's own") && html.contains("It breaks in every format"),
                "the page names the format it ran in and where the lesson breaks");
        assertFalse(html.contains("http://") && html.replace("http://www.w3.org/", "").contains("http://"),
                "nothing is fetched from the network");
    }

    @Test
    void theUnderflowLessonsGradnormPlotShowsTheFixedRunsLossScale() {
        Scenario s = Scenarios.find("18");
        Outcome broken = Scenarios.broken(s, Lab.quiet(0), Precision.FLOAT16);
        Outcome fixed = Scenarios.fixed(s, Lab.quiet(0), Precision.FLOAT16);
        assertEquals(32768.0, fixed.lossScales()[0], "float16's starting scale");
        assertEquals(java.util.List.of("fixed", "loss scale"), RunArtifacts.gradNormPlot(broken, fixed).drawnSeries(),
                "the broken run's norms are all 0 (nothing to draw on a log axis), the fixed run's and its scale are drawn");
        Outcome unscaled = Scenarios.fixed(Scenarios.find("17"), Lab.quiet(0), Precision.FLOAT16);
        assertFalse(RunArtifacts.gradNormPlot(unscaled, unscaled).drawnSeries().contains("loss scale"));
    }

    @Test
    void withoutGraphvizThePageShowsTheDotTextAndSaysSoOnce() throws Exception {
        Scenario s = Scenarios.find("7");
        Lab lab = Lab.quiet(0);
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        PrintWriter notice = new PrintWriter(notes, true, StandardCharsets.UTF_8);
        Graphviz absent = new Graphviz(dir.resolve("no-such-dot").toString());
        RunArtifacts.write(dir, s, Scenarios.broken(s, lab, Precision.FLOAT16), Scenarios.fixed(s, lab, Precision.FLOAT16),
                absent, notice);
        String said = notes.toString(StandardCharsets.UTF_8);
        assertEquals(1, said.lines().count(), said);
        assertTrue(said.contains("is not installed") && said.contains("graph.dot"), said);
        assertFalse(Files.exists(dir.resolve("graph.svg")));
        assertDot(Files.readString(dir.resolve("graph.dot")));
        Document page = parse(dir.resolve("index.html"));
        assertPage(page, false);
        assertTrue(page.getDocumentElement().getTextContent().contains("Format: float16, the lesson's own"), "names the format");
        assertTrue(page.getElementsByTagName("pre").item(page.getElementsByTagName("pre").getLength() - 1)
                .getTextContent().startsWith("digraph"), "the DOT text is shown");
    }

    private static Document parse(Path html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        return f.newDocumentBuilder().parse(html.toFile());
    }

    private static void assertPage(Document page, boolean inlineSvg) {
        assertEquals("html", page.getDocumentElement().getTagName());
        NodeList imgs = page.getElementsByTagName("img");
        assertEquals(2, imgs.getLength());
        for (int i = 0; i < imgs.getLength(); i++) {
            String src = ((Element) imgs.item(i)).getAttribute("src");
            assertTrue(src.startsWith("data:image/png;base64,"), src.substring(0, Math.min(40, src.length())));
            byte[] png = Base64.getDecoder().decode(src.substring("data:image/png;base64,".length()));
            assertTrue((png[0] & 0xff) == 0x89 && png[1] == 'P', "an embedded PNG");
        }
        assertEquals(inlineSvg ? 1 : 0, page.getElementsByTagName("svg").getLength());
        for (String h : new String[] {"What the scenario does", "What the guard reported", "The graph", "The curves", "The fix"}) {
            assertTrue(page.getDocumentElement().getTextContent().contains(h), h);
        }
    }

    /** A structural check of DOT text: a digraph, balanced braces, at least one node and one edge. */
    private static void assertDot(String dot) {
        assertTrue(dot.strip().startsWith("digraph"), dot);
        int depth = 0;
        for (char c : dot.toCharArray()) {
            if (c == '{') depth++;
            if (c == '}') depth--;
            assertTrue(depth >= 0, dot);
        }
        assertEquals(0, depth, dot);
        assertTrue(dot.contains("->"), dot);
    }
}
