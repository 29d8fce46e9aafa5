package io.flinfer.operators.records;

import java.io.Serializable;
import java.util.Objects;

/**
 * What the engine produced for one request, as {@link ResultWriter} needs it.
 *
 * @param text the generated text, stop string excluded
 * @param finishReason {@code "stop"} (end of sequence or a stop string/token) or {@code "length"}
 *     ({@code max_tokens} reached), as in the OpenAI API
 * @param promptTokens tokens of the rendered prompt
 * @param completionTokens tokens generated
 * @param cachedTokens prompt tokens served from the prefix cache
 */
public record Completion(String text, String finishReason, int promptTokens, int completionTokens, int cachedTokens)
        implements Serializable {
    public Completion {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        if (promptTokens < 0 || completionTokens < 0 || cachedTokens < 0 || cachedTokens > promptTokens) {
            throw new IllegalArgumentException("token counts must be >= 0 and cachedTokens <= promptTokens, got prompt="
                    + promptTokens + " completion=" + completionTokens + " cached=" + cachedTokens);
        }
    }
}
