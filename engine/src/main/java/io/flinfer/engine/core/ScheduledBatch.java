package io.flinfer.engine.core;

import java.util.List;

/**
 * What one step computes: each sequence with the number of its tokens to compute now.
 *
 * @param sequences in the order their tokens enter the forward pass
 * @param numNewTokens tokens to compute per sequence
 * @param numPreempted sequences preempted to make room in this step
 */
public record ScheduledBatch(List<Sequence> sequences, int[] numNewTokens, int numPreempted) {
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
