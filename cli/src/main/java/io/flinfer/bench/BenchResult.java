package io.flinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One benchmark run's numbers, with vLLM's meanings: throughput counts the prompt and the output
 * tokens that were asked for (never padding), TTFT runs from arrival to the first output token, TPOT
 * is the mean time between a request's later tokens.
 *
 * @param kvWasteFrac share of allocated KV-cache slots that held no token, at the peak of allocation
 * @param prefixCacheHitRate prompt tokens served from the prefix cache over prompt tokens looked up
 * @param mfu model FLOPs utilisation against the measured peak, over the tokens actually computed
 *     (prompt tokens served from the prefix cache are not)
 * @param mbu memory-bandwidth utilisation against the measured matrix-vector bandwidth: the weights
 *     read once per step plus the cached keys and values attention read, per second
 * @param steps forward passes the run took
 */
public record BenchResult(
        String mode,
        int numRequests,
        double elapsedSeconds,
        long promptTokens,
        long outputTokens,
        LatencySummary ttftMs,
        LatencySummary tpotMs,
        double kvWasteFrac,
        double prefixCacheHitRate,
        double mfu,
        double mbu,
        long steps) implements TokenThroughput {

    public ObjectNode toJson() {
        ObjectNode node = new ObjectMapper().createObjectNode()
                .put("mode", mode)
                .put("num_requests", numRequests)
                .put("elapsed_s", elapsedSeconds)
                .put("prompt_tokens", promptTokens)
                .put("output_tokens", outputTokens)
                .put("requests_per_s", requestsPerSecond())
                .put("output_tokens_per_s", outputTokensPerSecond())
                .put("total_tokens_per_s", totalTokensPerSecond());
        ttftMs.writeTo(node.putObject("ttft_ms"));
        tpotMs.writeTo(node.putObject("tpot_ms"));
        return node.put("kv_waste_frac", kvWasteFrac)
                .put("prefix_cache_hit_rate", prefixCacheHitRate)
                .put("mfu", mfu)
                .put("mbu", mbu)
                .put("steps", steps);
    }
}
