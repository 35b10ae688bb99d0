package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The one-page story of a lesson, {@code index.html}: what the scenario does, the guard's report,
 * the format it ran in and the formats it breaks in, the graph (inline SVG, or the DOT text when
 * Graphviz is absent), the curves, the fix and its result. One self-contained XHTML file (images as data URIs, no scripts, no links out), so it
 * opens offline in any browser and parses as XML.
 */
final class LessonPage {
    private LessonPage() {
    }

    /**
     * @param graph the inline SVG (from {@code <svg}) or null
     * @param dot the DOT text, shown when {@code graph} is null; null when there is no report
     */
    static String html(Scenario s, Outcome broken, Outcome fixed, String graph, String dot, byte[] lossPng,
                       byte[] gradPng) {
        StringBuilder b = new StringBuilder(8192);
        String title = "Lesson " + s.number() + ": " + s.name();
        b.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>").append(esc(title)).append("</title>\n")
                .append("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}")
                .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto}img,svg{max-width:100%;height:auto}</style>\n")
                .append("</head>\n<body>\n<h1>").append(esc(title)).append("</h1>\n");
        b.append("<p><em>").append(esc(s.breaks())).append("</em></p>\n");
        b.append("<h2>What the scenario does</h2>\n<p>").append(esc(s.lesson())).append("</p>\n");
        b.append("<p>").append(esc(Narrator.format(s, broken.precision()))).append(' ')
                .append(esc(Scenarios.formats(s))).append("</p>\n");
        b.append("<p>Guard mode: ").append(s.mode()).append(". Expected: ").append(esc(s.expected().toString()))
                .append(".</p>\n");
        b.append("<h2>What the guard reported</h2>\n");
        if (broken.reports().isEmpty()) {
            b.append("<p>No NaN or Inf: every value and gradient stayed finite.</p>\n");
        } else {
            if (Double.isFinite(broken.loss())) {
                b.append(String.format(Locale.ROOT, "<p>Last finite loss: %.6g</p>%n", broken.loss()));
            }
            for (NanReport r : broken.reports()) b.append("<pre>").append(esc(r.toString())).append("</pre>\n");
        }
        notes(b, broken.notes());
        b.append("<p>").append(esc(broken.ending())).append("</p>\n");
        if (dot != null) {
            b.append("<h2>The graph</h2>\n");
            if (graph != null) b.append(graph).append('\n');
            else b.append("<p>Graphviz is not installed; the graph in DOT:</p>\n<pre>").append(esc(dot)).append("</pre>\n");
        }
        b.append("<h2>The curves</h2>\n");
        img(b, "loss per step", lossPng);
        img(b, "gradient norm per step", gradPng);
        b.append("<h2>The fix</h2>\n<p>").append(esc(s.fix())).append("</p>\n");
        b.append(String.format(Locale.ROOT, "<p>Result: %s; loss after the fix %.6g.</p>%n",
                esc(fixed.nonFinite() ? "still non-finite" : fixed.ending()), fixed.loss()));
        notes(b, fixed.notes());
        return b.append("</body>\n</html>\n").toString();
    }

    /** The {@code <svg>} element of Graphviz's output, without the XML prolog and DOCTYPE. */
    static String inlineSvg(String svgFile) {
        int at = svgFile.indexOf("<svg");
        if (at < 0) throw new IllegalArgumentException("LessonPage: Graphviz output holds no <svg> element");
        return svgFile.substring(at).strip();
    }

    private static void notes(StringBuilder b, List<String> notes) {
        if (notes.isEmpty()) return;
        b.append("<ul>\n");
        for (String n : notes) b.append("<li>").append(esc(n)).append("</li>\n");
        b.append("</ul>\n");
    }

    private static void img(StringBuilder b, String alt, byte[] png) {
        b.append("<p><img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\"/></p>\n");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
