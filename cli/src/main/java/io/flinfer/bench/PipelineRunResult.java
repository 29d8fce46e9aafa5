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
 * @param deliveredOverOffered the time from the first request published to the last, over the time from
 *     the first result visible to the last: 1 when results come out at the rate requests go in
 * @param cpuSecondsByThread where the process's CPU went, by thread group, largest first ({@link ThreadCpu})
 */
public record PipelineRunResult(double requestRate, int numRequests, double elapsedSeconds, long promptTokens,
        long outputTokens, long cachedTokens, double engineIdleFraction, LatencySummary e2eLatencyMs,
        LatencyParts latencyParts, double deliveredOverOffered, Map<String, Double> cpuSecondsByThread)
        implements TokenThroughput {
    /** The least {@link #deliveredOverOffered} of a run that kept up with its rate. */
    static final double KEPT_UP = 0.9;

    /**
     * Whether results came out as fast as requests went in: a finite rate whose results spread over
     * no more time than the requests did (up to {@link #KEPT_UP}). Past the sustainable rate, a backlog
     * grows and the results spread over ever more time than the requests.
     */
    public boolean keptUp() {
        return !Double.isInfinite(requestRate) && deliveredOverOffered >= KEPT_UP;
    }


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
                .put("engine_idle_fraction", engineIdleFraction)
                .put("delivered_over_offered", deliveredOverOffered)
                .put("kept_up", keptUp());
        e2eLatencyMs.writeTo(json.putObject("e2e_latency_ms"));
        latencyParts.writeTo(json);
        ObjectNode cpu = json.putObject("cpu_seconds_by_thread");
        cpuSecondsByThread.forEach(cpu::put);
        return json;
    }
}
