package io.flinfer.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a run's finished requests, its KV occupancy and its clock, and turns them into a
 * {@link BenchResult}; both the engine run and the static baseline report through it, so their
 * numbers mean the same.
 */
final class RunRecorder {
    private final int numRequests;
    private final BenchProgress progress;
    private final long startNanos = System.nanoTime();
    private final List<Double> ttftMs = new ArrayList<>();
    private final List<Double> tpotMs = new ArrayList<>();
    private final KvOccupancy occupancy = new KvOccupancy();
    private long promptTokens;
    private long outputTokens;
    private long cachedTokens;

    RunRecorder(int numRequests, BenchProgress progress) {
        this.numRequests = numRequests;
        this.progress = progress;
    }

    long startNanos() {
        return startNanos;
    }

    void kvObserved(long allocatedSlots, long tokensHeld) {
        occupancy.observe(allocatedSlots, tokensHeld);
    }

    /** @param cachedLen prompt tokens served from the prefix cache: counted in throughput, not computed */
    void finished(int promptLen, int cachedLen, int outputLen, long arrivalNanos, long firstTokenNanos,
            long finishedNanos) {
        promptTokens += promptLen;
        cachedTokens += cachedLen;
        outputTokens += outputLen;
        ttftMs.add((firstTokenNanos - arrivalNanos) / 1e6);
        if (outputLen > 1) {
            tpotMs.add((finishedNanos - firstTokenNanos) / 1e6 / (outputLen - 1));
        }
        progress.update(ttftMs.size(), numRequests, outputTokens, (System.nanoTime() - startNanos) / 1e9);
    }

    /**
     * @param steps forward passes the run took
     * @param contextTokensRead cached tokens attention read, summed over steps and sequences
     */
    BenchResult result(String mode, double prefixCacheHitRate, ModelCosts costs, MachineLimits limits, long steps,
            long contextTokensRead) {
        if (ttftMs.size() != numRequests) {
            throw new IllegalStateException(mode + " run ended with " + ttftMs.size() + " of " + numRequests
                    + " requests finished");
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return new BenchResult(mode, numRequests, seconds, promptTokens, outputTokens,
                LatencySummary.of(toArray(ttftMs)), LatencySummary.of(toArray(tpotMs)), occupancy.wasteFraction(),
                prefixCacheHitRate, limits.mfu(costs.flops(promptTokens - cachedTokens + outputTokens), seconds),
                limits.mbu(costs.bytesRead(steps, contextTokensRead), seconds), steps);
    }

    private static double[] toArray(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
