package io.flinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * What a run through the whole pipeline delivered, counted from the results it committed to Kafka
 * (their {@code usage}), timed from the first request published to the last result committed.
 *
 * @param requestRate requests per second published (Poisson arrivals), infinite for all at once
 * @param engineIdleFraction the part of that time the engines waited for work instead of stepping
 * @param e2eLatencyMs per record, from its publication to its result visible to a {@code read_committed} consumer
 * @param latencyParts where that time went
 * @param cpuSecondsByThread where the process's CPU went, by thread group, largest first ({@link ThreadCpu})
 */
public record PipelineRunResult(double requestRate, int numRequests, double elapsedSeconds, long promptTokens,
        long outputTokens, long cachedTokens, double engineIdleFraction, LatencySummary e2eLatencyMs,
        LatencyParts latencyParts, Map<String, Double> cpuSecondsByThread) implements TokenThroughput {

    public ObjectNode toJson() {
        ObjectNode json = new ObjectMapper().createObjectNode()
                .put("mode", "pipeline")
                .put("request_rate", Double.isInfinite(requestRate) ? "inf" : Double.toString(requestRate))
                .put("num_requests", numRequests)
                .put("elapsed_s", elapsedSeconds)
                .put("prompt_tokens", promptTokens)
                .put("output_tokens", outputTokens)
                .put("cached_tokens", cachedTokens)
                .put("requests_per_s", requestsPerSecond())
                .put("output_tokens_per_s", outputTokensPerSecond())
                .put("total_tokens_per_s", totalTokensPerSecond())
                .put("engine_idle_fraction", engineIdleFraction);
        e2eLatencyMs.writeTo(json.putObject("e2e_latency_ms"));
        latencyParts.writeTo(json);
        ObjectNode cpu = json.putObject("cpu_seconds_by_thread");
        cpuSecondsByThread.forEach(cpu::put);
        return json;
    }
}
