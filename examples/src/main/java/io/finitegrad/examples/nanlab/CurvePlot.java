package io.finitegrad.examples.nanlab;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * A training curve as a PNG (XChart, drawn headless): one line per named series against the step
 * number, as log10 of the value so a loss that grows to 1e300 and one that falls to 1e-3 share a
 * readable picture (XChart's own log axis labels every decade, unreadable over 300 of them).
 * Non-positive and non-finite points have no logarithm and are left out. A gradient-norm plot can
 * carry the loss scale as one more series ({@link #lossScale}) on the same log10 axis: 2^15 is 4.5,
 * and each halving after an overflow is a step down of 0.3.
 */
final class CurvePlot {
    private final String title;
    private String yLabel;
    private final Map<String, double[]> series = new LinkedHashMap<>();

    CurvePlot(String title, String yLabel) {
        this.title = title;
        this.yLabel = yLabel;
    }

    /** Adds a series of values, one per step; an empty or undrawable one is skipped. */
    CurvePlot add(String name, double[] values) {
        series.put(name, values.clone());
        return this;
    }

    /**
     * Adds the loss scale of each step ({@link CurveRecorder#lossScales()}) as the series "loss
     * scale", naming it on the axis; nothing when no step was scaled (all NaN), so a run without
     * loss scaling draws as before.
     */
    CurvePlot lossScale(double[] scales) {
        for (double s : scales) {
            if (s > 0 && Double.isFinite(s) && !series.containsKey("loss scale")) {
                series.put("loss scale", scales.clone());
                yLabel = yLabel + " and loss scale";
                return this;
            }
        }
        return this;
    }

    /** The y-axis title, as drawn (tests read it). */
    String yAxisTitle() {
        return "log10 " + yLabel;
    }

    /** The series names that have a drawable point, in drawing order (tests read them). */
    List<String> drawnSeries() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            for (double v : e.getValue()) {
                if (v > 0 && Double.isFinite(v)) {
                    names.add(e.getKey());
                    break;
                }
            }
        }
        return names;
    }

    /** The chart as PNG bytes. */
    byte[] png() throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(640).height(360).title(title).xAxisTitle("step")
                .yAxisTitle(yAxisTitle()).build();
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setXAxisTickMarkSpacingHint(80);
        boolean any = false;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            double[] v = e.getValue();
            for (int i = 0; i < v.length; i++) {
                if (v[i] > 0 && Double.isFinite(v[i])) {
                    xs.add((double) (i + 1));
                    ys.add(Math.log10(v[i]));
                }
            }
            if (xs.isEmpty()) continue;
            XYSeries s = chart.addSeries(e.getKey(), xs, ys);
            s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
            any = true;
        }
        if (!any) chart.addSeries("no step applied", new double[] {0}, new double[] {0});
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
