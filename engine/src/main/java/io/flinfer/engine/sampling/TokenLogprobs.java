package io.flinfer.engine.sampling;

/**
 * Log-probabilities reported for one sampled token, taken from the raw model output (log_softmax
 * of the logits before penalties, temperature and filters), as vLLM v1 does by default.
 *
 * @param tokenId the sampled token
 * @param logprob its log-probability
 * @param topTokenIds the {@code logprobs} most likely tokens, most likely first
 * @param topLogprobs their log-probabilities, in the same order
 */
public record TokenLogprobs(int tokenId, float logprob, int[] topTokenIds, float[] topLogprobs) {
}
