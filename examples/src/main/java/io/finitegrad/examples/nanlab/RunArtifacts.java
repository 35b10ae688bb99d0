package io.finitegrad.examples.nanlab;

import io.finitegrad.autodiff.NanReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files {@code nanlab run --out DIR} writes about a lesson: {@code report.txt} and
 * {@code report.json} (every report of the broken run; a JSON array), {@code graph.dot} and, with
 * Graphviz, {@code graph.svg} (the lesson's entry point), {@code loss.png} and
 * {@code gradnorm.png} (broken and fixed runs per step), and {@code index.html}.
 */
final class RunArtifacts {
    private RunArtifacts() {
    }

    /**
     * Writes the files into {@code dir} (created if needed) and returns them; says once on
     * {@code notice} when Graphviz is absent.
     *
     * @throws IOException if a file cannot be written
     */
    static List<Path> write(Path dir, Scenario s, Outcome broken, Outcome fixed, Graphviz graphviz, PrintWriter notice)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        List<String> texts = new ArrayList<>(), jsons = new ArrayList<>();
        for (NanReport r : broken.reports()) {
            texts.add(r.toString());
            jsons.add(r.toJson());
        }
        files.add(write(dir.resolve("report.txt"), texts.isEmpty() ? "No NaN/Inf: every value and gradient stayed finite.\n"
                : String.join("\n\n", texts) + "\n"));
        files.add(write(dir.resolve("report.json"), "[" + String.join(",\n", jsons) + "]\n"));
        NanReport entry = s.expected().matchIn(broken);
        if (entry == null) entry = broken.first();
        String dot = entry == null ? null : entry.toDot();
        String svg = null;
        if (dot != null) {
            files.add(write(dir.resolve("graph.dot"), dot));
            if (graphviz.available()) {
                String file = graphviz.svg(dot);
                files.add(write(dir.resolve("graph.svg"), file));
                svg = LessonPage.inlineSvg(file);
            } else {
                notice.println("Graphviz ('" + graphviz.program() + "') is not installed: wrote graph.dot but no graph.svg;"
                        + " install graphviz to get the picture.");
            }
        }
        byte[] loss = new CurvePlot("Loss", "loss").add("broken", broken.losses()).add("fixed", fixed.losses()).png();
        byte[] grad = gradNormPlot(broken, fixed).png();
        files.add(Files.write(dir.resolve("loss.png"), loss));
        files.add(Files.write(dir.resolve("gradnorm.png"), grad));
        files.add(write(dir.resolve("index.html"), LessonPage.html(s, broken, fixed, svg, dot, loss, grad)));
        return files;
    }

    private static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * Both runs' gradient norms and one loss-scale series: the fixed run's when it scaled its loss
     * (the underflow lesson's fix), else the broken run's; none when neither did.
     */
    static CurvePlot gradNormPlot(Outcome broken, Outcome fixed) {
        double[] scales = scaled(fixed.lossScales()) ? fixed.lossScales() : broken.lossScales();
        return new CurvePlot("Gradient global norm", "norm").add("broken", broken.gradNorms())
                .add("fixed", fixed.gradNorms()).lossScale(scales);
    }

    private static boolean scaled(double[] scales) {
        for (double s : scales) if (s > 0 && Double.isFinite(s)) return true;
        return false;
    }
}
