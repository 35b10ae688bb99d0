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
 * Non-positive and non-finite points have no logarithm and are left out.
 */
final class CurvePlot {
    private final String title;
    private final String yLabel;
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

    /** The chart as PNG bytes. */
    byte[] png() throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(640).height(360).title(title).xAxisTitle("step")
                .yAxisTitle("log10 " + yLabel).build();
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
