package io.flinfer.engine.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * vLLM v1's single rule: each step hands out tokens so that every request catches up with the
 * tokens it knows ({@code numComputedTokens} towards {@code numTokens}). Running requests come first,
 * then waiting ones in arrival order, within {@code maxNumSeqs} and the token budget. A prompt too
 * long for the remaining budget is computed in chunks. When blocks run out, the most recently
 * admitted running request is preempted: its blocks are freed and it is recomputed later.
 */
public final class Scheduler {
    private final SchedulerConfig config;
    private final KvCacheManager kv;
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private long numPreemptions;

    public Scheduler(SchedulerConfig config, KvCacheManager kv) {
        this.config = config;
        this.kv = kv;
    }

    public void add(Sequence seq) {
        waiting.addLast(seq);
    }

    public int numWaiting() { return waiting.size(); }
    public int numRunning() { return running.size(); }
    public long numPreemptions() { return numPreemptions; }
    public boolean hasUnfinished() { return !waiting.isEmpty() || !running.isEmpty(); }
    public SchedulerConfig config() { return config; }
    public KvCacheManager kvCacheManager() { return kv; }

    public ScheduledBatch schedule(long nowNanos) {
        List<Sequence> scheduled = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        int budget = config.maxNumBatchedTokens();
        int preempted = 0;
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence seq = running.get(i);
            int numNew = Math.min(seq.numTokens() - seq.numComputedTokens, budget);
            while (!kv.allocate(seq, numNew, List.of())) {
                Sequence victim = running.remove(running.size() - 1);
                preempt(victim);
                preempted++;
                if (victim == seq) {
                    numNew = 0;
                    break;
                }
            }
            if (numNew > 0) {
                schedule(seq, numNew, scheduled, counts);
                budget -= numNew;
            }
        }
        // Admitting new work right after preempting would only thrash the cache.
        Set<String> adapters = runningAdapters();
        Deque<Sequence> skipped = new ArrayDeque<>();
        while (preempted == 0 && !waiting.isEmpty() && budget > 0 && running.size() < config.maxNumSeqs()) {
            Sequence seq = waiting.peekFirst();
            if (seq.lora() != null && !adapters.contains(seq.lora()) && adapters.size() >= config.maxLoras()) {
                // Its adapter would exceed max_loras in this step: it waits, keeping its place, for a slot.
                skipped.addLast(waiting.removeFirst());
                continue;
            }
            List<KvBlock> hits = seq.numComputedTokens == 0 ? kv.cachedPrefix(seq) : List.of();
            int cachedTokens = hits.size() * kv.blockSize();
            int numNew = seq.numTokens() - seq.numComputedTokens - cachedTokens;
            if (!config.chunkedPrefill() && numNew > budget) {
                break;
            }
            numNew = Math.min(numNew, budget);
            if (!kv.allocate(seq, numNew, hits)) {
                break;
            }
            waiting.removeFirst();
            if (seq.numCachedTokens < 0) {
                // Usage reports prompt tokens served from the cache; a resumed request may hit its output too.
                seq.numCachedTokens = Math.min(cachedTokens, seq.numPromptTokens());
                seq.firstScheduledNanos = nowNanos;
                kv.recordLookup(seq, seq.numCachedTokens);
            }
            seq.numComputedTokens += cachedTokens;
            seq.status = Sequence.Status.RUNNING;
            running.add(seq);
            if (seq.lora() != null) {
                adapters.add(seq.lora());
            }
            schedule(seq, numNew, scheduled, counts);
            budget -= numNew;
        }
        while (!skipped.isEmpty()) {
            waiting.addFirst(skipped.removeLast());
        }
        return batch(scheduled, counts, preempted);
    }

    private Set<String> runningAdapters() {
        Set<String> adapters = new HashSet<>();
        for (Sequence seq : running) {
            if (seq.lora() != null) {
                adapters.add(seq.lora());
            }
        }
        return adapters;
    }

    private static void schedule(Sequence seq, int numNew, List<Sequence> scheduled, List<Integer> counts) {
        scheduled.add(seq);
        counts.add(numNew);
    }

    /** The step's sequences with their block tables and the rows that catch up (and so sample). */
    private ScheduledBatch batch(List<Sequence> scheduled, List<Integer> counts, int preempted) {
        int n = scheduled.size();
        int[] numNew = new int[n];
        int[][] tables = new int[n][];
        int[] sampling = new int[n];
        int numSampling = 0;
        for (int i = 0; i < n; i++) {
            Sequence seq = scheduled.get(i);
            numNew[i] = counts.get(i);
            tables[i] = kv.blockTable(seq);
            if (seq.numComputedTokens + numNew[i] == seq.numTokens()) {
                sampling[numSampling++] = i;
            }
        }
        return new ScheduledBatch(scheduled, numNew, tables, Arrays.copyOf(sampling, numSampling), preempted);
    }

    /**
     * Records that the step ran: every scheduled sequence computed its tokens, and the sequence of
     * sampling row {@code r} received {@code sampled[r]}.
     */
    public void update(ScheduledBatch batch, int[] sampled, long nowNanos) {
        for (int i = 0; i < batch.sequences().size(); i++) {
            batch.sequences().get(i).numComputedTokens += batch.numNewTokens()[i];
        }
        for (int r = 0; r < sampled.length; r++) {
            batch.sequences().get(batch.samplingRows()[r]).appendOutput(sampled[r], nowNanos);
        }
    }

    /**
     * Appends an output token known without sampling (a grammar's forced continuation: jump-forward).
     * Nothing is computed now: the sequence's next step catches up on every such token at once and
     * samples after the last.
     */
    public void appendKnownToken(Sequence seq, int token, long nowNanos) {
        seq.appendOutput(token, nowNanos);
    }

    /** Ends {@code seq}, running or waiting, and frees its blocks. */
    public void finish(Sequence seq, FinishReason reason) {
        if (seq.isFinished()) {
            return;
        }
        running.remove(seq);
        waiting.remove(seq);
        kv.free(seq);
        seq.status = Sequence.Status.FINISHED;
        seq.finishReason = reason;
    }

    private void preempt(Sequence seq) {
        kv.free(seq);
        seq.numComputedTokens = 0;
        seq.status = Sequence.Status.WAITING;
        waiting.addFirst(seq);
        numPreemptions++;
    }
}
