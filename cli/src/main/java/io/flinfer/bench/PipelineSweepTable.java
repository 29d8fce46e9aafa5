package io.flinfer.bench;

import java.util.List;

/** The runs of {@code bench pipeline}, one line per request rate, with each record's end-to-end latency. */
public final class PipelineSweepTable {
    private PipelineSweepTable() {}

    public static String of(List<PipelineRunResult> runs) {
        StringBuilder table = new StringBuilder(String.format(
                "Per request rate (latency: published -> result visible to read_committed, ms)%n"
                + "%12s %12s %14s %10s %10s %10s %12s%n",
                "rate req/s", "served req/s", "output tok/s", "e2e p50", "e2e p90", "e2e p99", "engine idle"));
        for (PipelineRunResult run : runs) {
            LatencySummary e2e = run.e2eLatencyMs();
            table.append(String.format("%12s %12.2f %14.1f %10.0f %10.0f %10.0f %11.1f%%%n",
                    Double.isInfinite(run.requestRate()) ? "inf" : String.format("%.2f", run.requestRate()),
                    run.requestsPerSecond(), run.outputTokensPerSecond(), e2e.p50(), e2e.p90(), e2e.p99(),
                    100 * run.engineIdleFraction()));
        }
        return table.toString();
    }
}
