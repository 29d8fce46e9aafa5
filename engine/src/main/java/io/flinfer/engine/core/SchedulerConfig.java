package io.flinfer.engine.core;

/**
 * Limits of one scheduling step, with vLLM's names.
 *
 * @param maxNumSeqs sequences in one step
 * @param maxNumBatchedTokens tokens in one step (the token budget)
 * @param chunkedPrefill whether a prompt may be computed over several steps
 */
public record SchedulerConfig(int maxNumSeqs, int maxNumBatchedTokens, boolean chunkedPrefill) {
    public SchedulerConfig {
        if (maxNumSeqs < 1 || maxNumBatchedTokens < 1) {
            throw new IllegalArgumentException("max_num_seqs and max_num_batched_tokens must be positive");
        }
    }
}
