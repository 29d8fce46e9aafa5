package io.flinfer.operators.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a reader of results needs from one output line that {@link ResultWriter} wrote: the one place
 * that reads them back ({@code flinfer batch}'s dataset columns, the demo and the benchmarks).
 *
 * @param failed the request was answered with an error (a top-level {@code error}, or a status other than 200)
 * @param errorMessage the error's message (or the error itself when it has none); null unless {@code failed}
 * @param text the first choice's text or message content; empty when {@code failed}
 * @param finishReason the first choice's finish reason; empty when {@code failed}
 */
public record ResultSummary(String customId, boolean failed, String errorMessage, String text, String finishReason,
        long promptTokens, long completionTokens, long cachedTokens) {

    /** @throws IllegalArgumentException when {@code line} is not JSON */
    public static ResultSummary read(String line) {
        JsonNode result;
        try {
            result = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a result line is not JSON: " + line, e);
        }
        String customId = result.path("custom_id").asText();
        JsonNode error = result.path("error");
        JsonNode response = result.path("response");
        boolean hasError = !error.isNull() && !error.isMissingNode();
        if (hasError || response.path("status_code").asInt() != 200) {
            String message = hasError ? error.path("message").asText(error.toString()) : line;
            return new ResultSummary(customId, true, message, "", "", 0, 0, 0);
        }
        JsonNode body = response.path("body");
        JsonNode choice = body.path("choices").path(0);
        JsonNode text = choice.has("message") ? choice.path("message").path("content") : choice.path("text");
        JsonNode usage = body.path("usage");
        return new ResultSummary(customId, false, null, text.asText(), choice.path("finish_reason").asText(),
                usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong());
    }
}
