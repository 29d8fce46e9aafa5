package io.flinfer.engine;

import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.sampling.TokenLogprobs;
import java.util.List;

/**
 * What one step produced for one request: the new tokens and text, and once finished the whole
 * output. A request the engine cannot serve comes back finished with {@code error} set.
 *
 * @param newTokenIds tokens generated in this step
 * @param newText text that became final in this step (never half a character, never part of a
 *     stop string)
 * @param outputTokenIds all generated tokens, once finished; empty before
 * @param text all the output text, once finished; empty before
 * @param finishReason why it ended; null while running
 * @param numPromptTokens prompt length in tokens
 * @param numCachedTokens prompt tokens served from the prefix cache
 * @param logprobs per generated token, once finished and when the request asked for them; else null
 * @param error why the request failed, or null
 * @param timings when the request arrived, was scheduled, got its first token and finished; set
 *     once finished
 */
public record RequestOutput(
        String requestId,
        int[] newTokenIds,
        String newText,
        int[] outputTokenIds,
        String text,
        boolean finished,
        FinishReason finishReason,
        int numPromptTokens,
        int numCachedTokens,
        List<TokenLogprobs> logprobs,
        String error,
        RequestTimings timings) {

    public static RequestOutput failed(String requestId, String error) {
        return new RequestOutput(requestId, new int[0], "", new int[0], "", true, FinishReason.ERROR, 0, 0, null, error, null);
    }
}
