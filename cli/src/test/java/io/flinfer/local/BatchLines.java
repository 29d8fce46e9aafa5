package io.flinfer.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Input lines of the OpenAI Batch API, as a client would publish them. */
final class BatchLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BatchLines() {}

    /** A completion request without a seed: the pipeline derives one from the custom_id. */
    static String completion(String customId, String prompt, int maxTokens, double temperature) {
        ObjectNode body = JSON.createObjectNode().put("prompt", prompt).put("max_tokens", maxTokens)
                .put("temperature", temperature);
        return line(customId, "/v1/completions", body);
    }

    /** A line with the given url and body; for bad requests. */
    static String line(String customId, String url, ObjectNode body) {
        ObjectNode line = JSON.createObjectNode();
        if (customId != null) {
            line.put("custom_id", customId);
        }
        line.put("method", "POST").put("url", url).set("body", body);
        return line.toString();
    }

    static ObjectNode body() {
        return JSON.createObjectNode();
    }
}
