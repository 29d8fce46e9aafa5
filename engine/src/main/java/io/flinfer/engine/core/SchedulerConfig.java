package io.flinfer.engine.core;

/**
 * Limits of one scheduling step, with vLLM's names.
 *
 * @param maxNumSeqs sequences in one step
 * @param maxNumBatchedTokens tokens in one step (the token budget)
 * @param maxModelLen longest sequence, prompt and output together
 * @param chunkedPrefill whether a prompt may be computed over several steps
 */
public record SchedulerConfig(int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, boolean chunkedPrefill) {
    public SchedulerConfig {
        if (maxNumSeqs < 1 || maxNumBatchedTokens < 1 || maxModelLen < 1) {
            throw new IllegalArgumentException("max_num_seqs, max_num_batched_tokens and max_model_len must be positive");
        }
        if (!chunkedPrefill && maxNumBatchedTokens < maxModelLen) {
            throw new IllegalArgumentException("without chunked prefill, max_num_batched_tokens (" + maxNumBatchedTokens
                    + ") must be at least max_model_len (" + maxModelLen + ") so that every prompt fits one step");
        }
    }
}
