package io.flinfer.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/** The fields of an output line (OpenAI Batch API) that the tests check. */
record OutputLine(String customId, int statusCode, String model, String text, int promptTokens, int completionTokens,
        int cachedTokens, String errorCode, String error) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static OutputLine parse(String json) {
        try {
            JsonNode line = JSON.readTree(json);
            JsonNode body = line.path("response").path("body");
            JsonNode usage = body.path("usage");
            return new OutputLine(line.path("custom_id").asText(),
                    line.path("response").path("status_code").asInt(),
                    body.path("model").asText(null),
                    body.path("choices").path(0).path("text").asText(null),
                    usage.path("prompt_tokens").asInt(),
                    usage.path("completion_tokens").asInt(),
                    usage.path("prompt_tokens_details").path("cached_tokens").asInt(),
                    line.path("error").path("code").asText(null),
                    line.path("error").path("message").asText(null));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the pipeline wrote a line that is not JSON: " + json, e);
        }
    }
}
