package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweep's sustainable rate is the highest that kept up, and the chart marks it. */
class SweepPlotTest {
    private static PipelineRunResult run(double rate, double deliveredOverOffered, double p99) {
        LatencySummary e2e = new LatencySummary(p99 / 2, p99 / 2, p99 * 0.9, p99);
        LatencyParts parts = new LatencyParts(e2e, e2e, e2e, e2e, e2e);
        return new PipelineRunResult(rate, 64, 40, 6000, 6000, 0, 0.05, e2e, parts, deliveredOverOffered, Map.of());
    }

    @Test
    void theSustainableRateIsTheHighestThatKeptUp() {
        List<PipelineRunResult> runs = List.of(run(Double.POSITIVE_INFINITY, 0.01, 30000), run(1, 0.98, 3000),
                run(2, 0.93, 4000), run(3, 0.62, 15000));
        assertThat(PipelineSweepTable.sustainable(runs)).get().extracting(PipelineRunResult::requestRate).isEqualTo(2.0);
        assertThat(runs.get(0).keptUp()).as("a burst has no rate to keep up with").isFalse();
        assertThat(PipelineSweepTable.of(runs)).contains("Sustainable: 2.00 req/s");
    }

    @Test
    void theChartDrawsThreeLinesOverTheFiniteRatesAndMarksTheSustainableOne() {
        String svg = SweepPlot.svg(List.of(run(Double.POSITIVE_INFINITY, 0.01, 30000), run(1, 0.98, 3000),
                run(2, 0.93, 4000), run(3, 0.62, 15000)), "sweep <test>");
        assertThat(svg).startsWith("<svg").endsWith("</svg>\n").contains("sustainable 2.00 req/s", "sweep &lt;test&gt;");
        assertThat(svg.split("<polyline", -1)).hasSize(4);
        // Three rates on each line: the burst is left out.
        assertThat(svg.split("<circle", -1)).hasSize(10);
    }

    @Test
    void axisEndsAreRound() {
        assertThat(SweepPlot.niceCeiling(3.2)).isEqualTo(5);
        assertThat(SweepPlot.niceCeiling(15000)).isEqualTo(20000);
        assertThat(SweepPlot.niceCeiling(0.7)).isEqualTo(1);
    }
}
