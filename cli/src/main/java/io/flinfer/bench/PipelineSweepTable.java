package io.flinfer.bench;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runs of {@code bench pipeline}, one line per request rate: what each delivered with each
 * record's end-to-end latency, then where that latency went ({@link LatencyParts}).
 */
public final class PipelineSweepTable {
    private PipelineSweepTable() {}

    public static String of(List<PipelineRunResult> runs) {
        StringBuilder table = new StringBuilder(String.format(
                "Per request rate (latency: published -> result visible to read_committed, ms)%n"
                + "%12s %12s %14s %10s %10s %10s %12s %8s%n",
                "rate req/s", "served req/s", "output tok/s", "e2e p50", "e2e p90", "e2e p99", "engine idle", "kept up"));
        for (PipelineRunResult run : runs) {
            LatencySummary e2e = run.e2eLatencyMs();
            table.append(String.format("%12s %12.2f %14.1f %10.0f %10.0f %10.0f %11.1f%% %8s%n", rate(run),
                    run.requestsPerSecond(), run.outputTokensPerSecond(), e2e.p50(), e2e.p90(), e2e.p99(),
                    100 * run.engineIdleFraction(), Double.isInfinite(run.requestRate()) ? "-" : run.keptUp() ? "yes" : "no"));
        }
        table.append(sustainable(runs).map(run -> String.format(
                "Sustainable: %.2f req/s, the highest rate whose results kept up with its requests (%.1f output tok/s, e2e p99 %.0f ms)%n",
                run.requestRate(), run.outputTokensPerSecond(), run.e2eLatencyMs().p99()))
                .orElse(String.format("Sustainable: no finite rate of this sweep kept up%n")));
        table.append(String.format("Latency parts, p50 / p99 ms (before engine: Kafka, source, routing; to visible: "
                + "sink and commit)%n%12s %14s %14s %14s %14s %14s%n",
                "rate req/s", "TTFT", "before engine", "engine queue", "generation", "to visible"));
        for (PipelineRunResult run : runs) {
            LatencyParts parts = run.latencyParts();
            table.append(String.format("%12s %14s %14s %14s %14s %14s%n", rate(run), both(parts.ttft()),
                    both(parts.beforeEngine()), both(parts.engineQueue()), both(parts.generation()),
                    both(parts.toVisible())));
        }
        return table.toString();
    }

    /**
     * Where the process's CPU went during a run, by thread group, against what the machine offered
     * ({@code cores} x the run's time): the profile that says what competes with the engine.
     */
    public static String cpuProfile(PipelineRunResult run, int cores, int lines) {
        double available = cores * run.elapsedSeconds();
        StringBuilder table = new StringBuilder(String.format(
                "CPU by thread in the %s run (%d cores x %.1f s = %.1f core-seconds)%n", rate(run), cores,
                run.elapsedSeconds(), available));
        double shown = 0;
        int line = 0;
        for (Map.Entry<String, Double> group : run.cpuSecondsByThread().entrySet()) {
            if (line++ == lines) {
                break;
            }
            shown += group.getValue();
            table.append(String.format("  %-18s %8.1f s %6.1f%%%n", group.getKey(), group.getValue(), 100 * group.getValue() / available));
        }
        double total = run.cpuSecondsByThread().values().stream().mapToDouble(Double::doubleValue).sum();
        table.append(String.format("  %-18s %8.1f s %6.1f%%%n", "other threads", total - shown, 100 * (total - shown) / available));
        table.append(String.format("  %-18s %8.1f s %6.1f%%%n", "idle or elsewhere", available - total, 100 * (available - total) / available));
        return table.toString();
    }

    /** The run of the highest rate that kept up ({@link PipelineRunResult#keptUp}), if any did. */
    public static Optional<PipelineRunResult> sustainable(List<PipelineRunResult> runs) {
        return runs.stream().filter(PipelineRunResult::keptUp).max(Comparator.comparingDouble(PipelineRunResult::requestRate));
    }

    private static String rate(PipelineRunResult run) {
        return Double.isInfinite(run.requestRate()) ? "inf" : String.format("%.2f", run.requestRate());
    }

    private static String both(LatencySummary s) {
        return String.format("%.0f / %.0f", s.p50(), s.p99());
    }
}
