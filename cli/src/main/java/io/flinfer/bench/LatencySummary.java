package io.flinfer.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/** Mean, median, 90th and 99th percentile of latencies in milliseconds. */
public record LatencySummary(double mean, double p50, double p90, double p99) {
    public static LatencySummary of(double[] millis) {
        if (millis.length == 0) {
            return new LatencySummary(0, 0, 0, 0);
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new LatencySummary(Arrays.stream(sorted).average().orElse(0), percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99));
    }

    /** Linear interpolation between closest ranks, as numpy's default percentile. */
    static double percentile(double[] sorted, double p) {
        double rank = p / 100 * (sorted.length - 1);
        int low = (int) Math.floor(rank);
        int high = Math.min(low + 1, sorted.length - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }

    void writeTo(ObjectNode node) {
        node.put("mean", mean).put("p50", p50).put("p90", p90).put("p99", p99);
    }
}
