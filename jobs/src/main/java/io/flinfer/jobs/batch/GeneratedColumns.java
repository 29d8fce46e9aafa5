package io.flinfer.jobs.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The columns a dataset row gets: {@code generated_text}, {@code finish_reason}, {@code prompt_tokens},
 * {@code completion_tokens}, {@code cached_tokens} and {@code error}, read from the row's OpenAI
 * Batch API result line (the format the generate step writes, so this never depends on its classes).
 */
public final class GeneratedColumns {
    public static final List<String> NAMES = List.of(
            "generated_text", "finish_reason", "prompt_tokens", "completion_tokens", "cached_tokens", "error");
    private static final ObjectMapper JSON = new ObjectMapper();

    private GeneratedColumns() {}

    /** The row with the result's columns added after its own. */
    static OutputRow withResult(String rowJson, String resultLine) {
        ObjectNode row = (ObjectNode) read(rowJson);
        JsonNode result = read(resultLine);
        JsonNode error = result.path("error");
        if (!error.isNull() && !error.isMissingNode()) {
            return withError(row, error.path("message").asText(error.toString()));
        }
        JsonNode body = result.path("response").path("body");
        JsonNode choice = body.path("choices").path(0);
        JsonNode text = choice.has("message") ? choice.path("message").path("content") : choice.path("text");
        JsonNode usage = body.path("usage");
        long prompt = usage.path("prompt_tokens").asLong();
        long completion = usage.path("completion_tokens").asLong();
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong();
        row.put("generated_text", text.asText())
                .put("finish_reason", choice.path("finish_reason").asText())
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("cached_tokens", cached)
                .putNull("error");
        return new OutputRow(row.toString(), false, prompt, completion, cached);
    }

    /** The row with empty generated columns and the reason it got no result. */
    static OutputRow withError(String rowJson, String message) {
        return withError((ObjectNode) read(rowJson), message);
    }

    private static OutputRow withError(ObjectNode row, String message) {
        for (String column : NAMES) {
            row.putNull(column);
        }
        row.put("error", message);
        return OutputRow.error(row.toString());
    }

    /** Counts of an OpenAI result line, for an output that is the line itself. */
    static OutputRow resultLine(String resultLine) {
        JsonNode result = read(resultLine);
        JsonNode error = result.path("error");
        if (!error.isNull() && !error.isMissingNode()) {
            return OutputRow.error(resultLine);
        }
        JsonNode usage = result.path("response").path("body").path("usage");
        return new OutputRow(resultLine, false, usage.path("prompt_tokens").asLong(),
                usage.path("completion_tokens").asLong(), usage.path("prompt_tokens_details").path("cached_tokens").asLong());
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the job wrote JSON it cannot read back: " + e.getOriginalMessage(), e);
        }
    }
}
