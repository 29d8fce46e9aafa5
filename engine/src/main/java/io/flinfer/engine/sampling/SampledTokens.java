package io.flinfer.engine.sampling;

import java.util.List;

/**
 * The result of one {@link Sampler#sample} call.
 *
 * @param tokenIds the sampled token of each batch row
 * @param logprobs per batch row: its log-probabilities, or null where the row did not ask for them
 */
public record SampledTokens(int[] tokenIds, List<TokenLogprobs> logprobs) {
}
