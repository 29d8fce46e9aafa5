package io.flinfer.bench;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The rate sweep of {@code bench pipeline} as an SVG chart: end-to-end latency (p50 and p99) and
 * the output throughput delivered, against the request rate offered, with the sustainable rate
 * marked. Plain SVG written by hand, so the chart needs no library and renders in any browser or
 * in GitHub's Markdown.
 */
public final class SweepPlot {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int LEFT = 70;
    private static final int RIGHT = 70;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final int TICKS = 5;

    private SweepPlot() {}

    /** The chart of the sweep's finite rates (a burst has no place on a rate axis); empty runs give an empty chart. */
    public static String svg(List<PipelineRunResult> runs, String title) {
        List<PipelineRunResult> finite = runs.stream().filter(r -> !Double.isInfinite(r.requestRate()))
                .sorted(Comparator.comparingDouble(PipelineRunResult::requestRate)).toList();
        StringBuilder svg = new StringBuilder();
        svg.append(format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, HEIGHT));
        svg.append(format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(format("<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        if (!finite.isEmpty()) {
            double maxRate = niceCeiling(finite.get(finite.size() - 1).requestRate());
            double maxLatency = niceCeiling(finite.stream().mapToDouble(r -> r.e2eLatencyMs().p99()).max().orElse(1));
            double maxTokens = niceCeiling(finite.stream().mapToDouble(PipelineRunResult::outputTokensPerSecond).max().orElse(1));
            axes(svg, maxRate, maxLatency, maxTokens);
            line(svg, finite, r -> r.e2eLatencyMs().p99(), maxRate, maxLatency, "#d62728", "e2e p99 (ms, left)", 0);
            line(svg, finite, r -> r.e2eLatencyMs().p50(), maxRate, maxLatency, "#1f77b4", "e2e p50 (ms, left)", 1);
            line(svg, finite, PipelineRunResult::outputTokensPerSecond, maxRate, maxTokens, "#2ca02c",
                    "output tok/s delivered (right)", 2);
            PipelineSweepTable.sustainable(runs).ifPresent(s -> {
                double x = x(s.requestRate(), maxRate);
                svg.append(format("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"gray\" stroke-dasharray=\"4 4\"/>%n",
                        x, TOP, x, HEIGHT - BOTTOM));
                svg.append(format("<text x=\"%.1f\" y=\"%d\" fill=\"gray\">sustainable %.2f req/s</text>%n", x + 4, TOP + 12,
                        s.requestRate()));
            });
        }
        return svg.append("</svg>\n").toString();
    }

    private static void axes(StringBuilder svg, double maxRate, double maxLatency, double maxTokens) {
        int bottom = HEIGHT - BOTTOM;
        int right = WIDTH - RIGHT;
        svg.append(format("<path d=\"M%d %d V%d H%d V%d\" fill=\"none\" stroke=\"black\"/>%n", LEFT, TOP, bottom, right, TOP));
        for (int i = 0; i <= TICKS; i++) {
            double f = (double) i / TICKS;
            double x = LEFT + f * (right - LEFT);
            double y = bottom - f * (bottom - TOP);
            svg.append(format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, bottom + 16, number(f * maxRate)));
            svg.append(format("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, y + 4, number(f * maxLatency)));
            svg.append(format("<text x=\"%d\" y=\"%.1f\">%s</text>%n", right + 6, y + 4, number(f * maxTokens)));
            svg.append(format("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n", LEFT, y, right, y));
        }
        svg.append(format("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">request rate offered (req/s, Poisson)</text>%n",
                (LEFT + right) / 2, HEIGHT - 12));
    }

    private static void line(StringBuilder svg, List<PipelineRunResult> runs, ToDoubleFunction<PipelineRunResult> value,
            double maxRate, double maxValue, String color, String label, int legendRow) {
        StringBuilder points = new StringBuilder();
        for (PipelineRunResult run : runs) {
            double x = x(run.requestRate(), maxRate);
            double y = y(value.applyAsDouble(run), maxValue);
            points.append(format("%.1f,%.1f ", x, y));
            svg.append(format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, color));
        }
        svg.append(format("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", points.toString().trim(), color));
        int legendY = TOP + 14 + 16 * legendRow;
        svg.append(format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                LEFT + 10, legendY - 4, LEFT + 30, legendY - 4, color));
        svg.append(format("<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 36, legendY, escape(label)));
    }

    private static double x(double rate, double maxRate) {
        return LEFT + rate / maxRate * (WIDTH - RIGHT - LEFT);
    }

    private static double y(double value, double maxValue) {
        return HEIGHT - BOTTOM - value / maxValue * (HEIGHT - BOTTOM - TOP);
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}: axis ends that divide into round ticks. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * power >= v) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static String number(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : format("%.2f", v);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
