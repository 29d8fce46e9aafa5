package io.flinfer.bench;

import java.util.List;
import java.util.function.Function;

/** The human-readable table of one or more runs, one column per run. */
public final class BenchReport {
    private BenchReport() {}

    public static String table(List<BenchResult> results) {
        StringBuilder out = new StringBuilder();
        row(out, "", results, BenchResult::mode);
        row(out, "requests", results, r -> Integer.toString(r.numRequests()));
        row(out, "prompt / output tokens", results, r -> r.promptTokens() + " / " + r.outputTokens());
        row(out, "elapsed (s)", results, r -> fmt(r.elapsedSeconds()));
        row(out, "requests/s", results, r -> fmt(r.requestsPerSecond()));
        row(out, "output tokens/s", results, r -> fmt(r.outputTokensPerSecond()));
        row(out, "total tokens/s", results, r -> fmt(r.totalTokensPerSecond()));
        row(out, "TTFT ms mean/p50/p99", results, r -> latency(r.ttftMs()));
        row(out, "TPOT ms mean/p50/p99", results, r -> latency(r.tpotMs()));
        row(out, "KV waste at peak", results, r -> percent(r.kvWasteFrac()));
        row(out, "prefix cache hit rate", results, r -> percent(r.prefixCacheHitRate()));
        row(out, "MFU", results, r -> percent(r.mfu()));
        row(out, "MBU", results, r -> percent(r.mbu()));
        return out.toString();
    }

    private static void row(StringBuilder out, String label, List<BenchResult> results, Function<BenchResult, String> cell) {
        out.append(String.format("%-24s", label));
        results.forEach(r -> out.append(String.format("%26s", cell.apply(r))));
        out.append('\n');
    }

    private static String latency(LatencySummary s) {
        return fmt(s.mean()) + " / " + fmt(s.p50()) + " / " + fmt(s.p99());
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
    }

    private static String percent(double v) {
        return String.format("%.1f%%", 100 * v);
    }
}
