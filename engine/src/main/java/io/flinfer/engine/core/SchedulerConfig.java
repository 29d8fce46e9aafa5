package io.flinfer.engine.core;

/**
 * Limits of one scheduling step, with vLLM's names.
 *
 * @param maxNumSeqs sequences in one step
 * @param maxNumBatchedTokens tokens in one step (the token budget)
 * @param chunkedPrefill whether a prompt may be computed over several steps
 * @param maxLoras LoRA adapters in one step; requests of another adapter wait while that many run
 */
public record SchedulerConfig(int maxNumSeqs, int maxNumBatchedTokens, boolean chunkedPrefill, int maxLoras) {
    public SchedulerConfig {
        if (maxNumSeqs < 1 || maxNumBatchedTokens < 1 || maxLoras < 1) {
            throw new IllegalArgumentException("max_num_seqs, max_num_batched_tokens and max_loras must be positive");
        }
    }

    /** Without a limit on adapters. */
    public SchedulerConfig(int maxNumSeqs, int maxNumBatchedTokens, boolean chunkedPrefill) {
        this(maxNumSeqs, maxNumBatchedTokens, chunkedPrefill, Integer.MAX_VALUE);
    }
}
