package io.merspark.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The report's PNG plots, drawn with XChart (headless). */
final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    static void confusion(Path png, String title, List<String> classes, long[][] matrix) {
        HeatMapChart chart = new HeatMapChartBuilder().width(640).height(520).title(title)
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setRangeColors(new Color[] {new Color(247, 251, 255), new Color(107, 174, 214), new Color(8, 48, 107)});
        chart.getStyler().setLegendVisible(false);
        List<Number[]> cells = new ArrayList<>();
        int k = classes.size();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                // XChart puts y index 0 at the bottom: flip so the first class is the top row.
                cells.add(new Number[] {p, k - 1 - t, matrix[t][p]});
            }
        }
        List<String> reversed = new ArrayList<>(classes);
        java.util.Collections.reverse(reversed);
        chart.addSeries("confusion", classes, reversed, cells);
        save(chart, png);
    }

    static void wafPerRound(Path png, List<Integer> rounds, List<Double> before, List<Double> after) {
        XYChart chart = new XYChartBuilder().width(640).height(400).title("Test WAF per round")
                .xAxisTitle("round").yAxisTitle("WAF").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.addSeries("ensemble", rounds, before);
        chart.addSeries("after prior voting", rounds, after);
        save(chart, png);
    }

    static void histogram(Path png, String title, List<String> bins, Map<String, List<Long>> series) {
        CategoryChart chart = new CategoryChartBuilder().width(720).height(400).title(title)
                .xAxisTitle("confidence").yAxisTitle("samples").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisLabelRotation(45);
        series.forEach((name, counts) -> chart.addSeries(name, bins, counts));
        save(chart, png);
    }

    static void priors(Path png, List<String> classes, Map<String, double[]> priors) {
        CategoryChart chart = new CategoryChartBuilder().width(720).height(400).title("Class priors")
                .xAxisTitle("class").yAxisTitle("proportion").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        priors.forEach((name, p) -> {
            List<Double> v = new ArrayList<>();
            for (double x : p) {
                v.add(x);
            }
            chart.addSeries(name, classes, v);
        });
        save(chart, png);
    }

    private static void save(Chart<?, ?> chart, Path png) {
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }
}
