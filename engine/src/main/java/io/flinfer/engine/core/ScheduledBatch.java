package io.flinfer.engine.core;

import java.util.List;

/**
 * What one step computes, with everything the model runner needs: each sequence with the number
 * of its tokens to compute now, its block table, and which sequences catch up in this step and so
 * get a token sampled (the others are mid-prefill).
 *
 * @param sequences in the order their tokens enter the forward pass
 * @param numNewTokens tokens to compute per sequence
 * @param blockTables each sequence's KV block ids, covering its tokens after this step
 * @param samplingRows indices into {@code sequences} of those that sample, in order
 * @param numPreempted sequences preempted to make room in this step
 */
public record ScheduledBatch(
        List<Sequence> sequences, int[] numNewTokens, int[][] blockTables, int[] samplingRows, int numPreempted) {
    public boolean isEmpty() {
        return sequences.isEmpty();
    }

    public int totalTokens() {
        int total = 0;
        for (int n : numNewTokens) {
            total += n;
        }
        return total;
    }
}
