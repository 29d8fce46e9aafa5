package io.flinfer.operators.records;

import io.flinfer.engine.core.FinishReason;
import java.io.Serializable;
import java.util.Objects;

/**
 * What the engine produced for one request, as {@link ResultWriter} needs it.
 *
 * @param text the generated text, stop string excluded
 * @param finishReason {@link FinishReason#STOP} (end of sequence or a stop string/token) or
 *     {@link FinishReason#LENGTH} ({@code max_tokens} reached)
 * @param promptTokens tokens of the rendered prompt
 * @param completionTokens tokens generated
 * @param cachedTokens prompt tokens served from the prefix cache
 */
public record Completion(String text, FinishReason finishReason, int promptTokens, int completionTokens, int cachedTokens)
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
