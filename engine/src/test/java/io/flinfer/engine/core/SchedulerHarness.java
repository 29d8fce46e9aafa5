package io.flinfer.engine.core;

import io.flinfer.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A scheduler over a real block pool, stepped without a model: every sequence that catches up
 * "samples" token {@link #SAMPLED}. Only the engine's public scheduling contract is used, so the
 * tests read as behaviour: who runs, how many tokens, what the cache holds.
 */
final class SchedulerHarness {
    static final int SAMPLED = 7;

    final BlockPool pool;
    final KvCacheManager kv;
    final Scheduler scheduler;
    private long now;
    private int ids;

    SchedulerHarness(int numBlocks, int blockSize, SchedulerConfig config, boolean prefixCaching) {
        this(numBlocks, blockSize, config, prefixCaching, 0);
    }

    /** @param slidingWindow the window of a model whose every layer slides (0: none) */
    SchedulerHarness(int numBlocks, int blockSize, SchedulerConfig config, boolean prefixCaching, int slidingWindow) {
        pool = new BlockPool(numBlocks, prefixCaching);
        kv = new KvCacheManager(pool, blockSize, slidingWindow);
        scheduler = new Scheduler(config, kv);
    }

    static SchedulerHarness of(int numBlocks, int blockSize, int maxNumSeqs, int maxNumBatchedTokens) {
        return new SchedulerHarness(numBlocks, blockSize, new SchedulerConfig(maxNumSeqs, maxNumBatchedTokens, true), true);
    }

    Sequence add(int[] prompt) {
        return add(prompt, null);
    }

    Sequence add(int[] prompt, String cacheSalt) {
        Sequence seq = new Sequence("r" + ids++, prompt, new int[0], SamplingParams.greedy(100), cacheSalt, now);
        scheduler.add(seq);
        return seq;
    }

    /** Schedules one step and records it as run; returns what ran. */
    ScheduledBatch step() {
        ScheduledBatch batch = scheduler.schedule(++now);
        int[] sampled = new int[batch.samplingRows().length];
        Arrays.fill(sampled, SAMPLED);
        scheduler.update(batch, sampled, now);
        pool.checkInvariants();
        return batch;
    }

    /** Steps until {@code seq} has sampled {@code outputTokens} tokens. */
    void runUntilOutput(Sequence seq, int outputTokens) {
        for (int i = 0; seq.numOutputTokens() < outputTokens; i++) {
            if (i > 10_000) {
                throw new AssertionError(seq.requestId() + " made no progress");
            }
            step();
        }
    }

    /** How many tokens {@code seq} computes in {@code batch}; 0 when it is not in it. */
    static int tokensOf(ScheduledBatch batch, Sequence seq) {
        int i = batch.sequences().indexOf(seq);
        return i < 0 ? 0 : batch.numNewTokens()[i];
    }

    /** {@code n} distinct token ids starting at {@code from} (ids stay clear of {@link #SAMPLED}). */
    static int[] tokens(int from, int n) {
        return IntStream.range(from, from + n).map(t -> 100 + t).toArray();
    }

    static int[] concat(int[] a, int[] b) {
        List<Integer> all = new ArrayList<>();
        IntStream.of(a).forEach(all::add);
        IntStream.of(b).forEach(all::add);
        return all.stream().mapToInt(Integer::intValue).toArray();
    }
}
