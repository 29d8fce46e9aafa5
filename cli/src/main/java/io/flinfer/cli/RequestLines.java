package io.flinfer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Turns what a user typed into OpenAI Batch API lines: a JSON object with a {@code custom_id}
 * string is already one and passes unchanged; any other non-empty line is a prompt and becomes a
 * request of its own with a numbered {@code custom_id}.
 */
final class RequestLines {
    /** A line for Kafka: the key is the {@code custom_id}. */
    record Line(String customId, String json) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean chat;
    private final String model;
    private final Integer maxTokens;
    private final String idPrefix;
    private int prompts;

    /**
     * @param chat prompts become {@code /v1/chat/completions} requests with one user message
     *     instead of {@code /v1/completions} requests
     * @param model {@code body.model} of prompt requests; null leaves it out
     * @param maxTokens the prompt requests' token limit; null leaves it to the pipeline's default
     */
    RequestLines(boolean chat, String model, Integer maxTokens, String idPrefix) {
        this.chat = chat;
        this.model = model;
        this.maxTokens = maxTokens;
        this.idPrefix = idPrefix;
    }

    /** The line to publish, or empty for a blank line. */
    Optional<Line> toRequest(String text) {
        String line = text.strip();
        if (line.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(batchLine(line).orElseGet(() -> promptRequest(line)));
    }

    private static Optional<Line> batchLine(String line) {
        if (!line.startsWith("{")) {
            return Optional.empty();
        }
        try {
            JsonNode customId = JSON.readTree(line).path("custom_id");
            return customId.isTextual() ? Optional.of(new Line(customId.asText(), line)) : Optional.empty();
        } catch (JsonProcessingException notJson) {
            return Optional.empty();
        }
    }

    private Line promptRequest(String prompt) {
        String customId = idPrefix + (++prompts);
        ObjectNode request = JSON.createObjectNode()
                .put("custom_id", customId)
                .put("method", "POST")
                .put("url", chat ? "/v1/chat/completions" : "/v1/completions");
        ObjectNode body = request.putObject("body");
        if (model != null) {
            body.put("model", model);
        }
        if (chat) {
            body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        } else {
            body.put("prompt", prompt);
        }
        if (maxTokens != null) {
            body.put(chat ? "max_completion_tokens" : "max_tokens", maxTokens);
        }
        return new Line(customId, request.toString());
    }
}
