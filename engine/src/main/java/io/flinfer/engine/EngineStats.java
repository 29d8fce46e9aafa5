package io.flinfer.engine;

/**
 * A snapshot of the engine's counters, named after vLLM's metrics.
 *
 * @param kvCacheUsage share of KV blocks in use, 0 to 1
 * @param prefixCacheQueries prompt tokens looked up in the prefix cache
 * @param prefixCacheHits prompt tokens found there
 */
public record EngineStats(
        int numRequestsRunning,
        int numRequestsWaiting,
        double kvCacheUsage,
        long prefixCacheQueries,
        long prefixCacheHits,
        long numPreemptions,
        long promptTokens,
        long generationTokens,
        int numKvBlocks,
        int numFreeKvBlocks) {}
