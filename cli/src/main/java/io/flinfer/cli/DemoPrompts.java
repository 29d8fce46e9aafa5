package io.flinfer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's requests: chat requests made from the bundled {@code demo-prompts.json}, each one of a
 * few long system prompts followed by a short question, so that many requests share a prefix.
 */
final class DemoPrompts {
    /** One request line of the OpenAI Batch API, with the question it asks (for printing). */
    record Request(String customId, String question, String json) {}

    /** Bytes that are not a request: the pipeline must send them to the dead-letter topic. */
    static final String MALFORMED_LINE = "this line is not a request {";

    private static final String RESOURCE = "demo-prompts.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> systemPrompts;
    private final List<String> questions;

    private DemoPrompts(List<String> systemPrompts, List<String> questions) {
        this.systemPrompts = systemPrompts;
        this.questions = questions;
    }

    static DemoPrompts bundled() {
        try (InputStream in = DemoPrompts.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the demo's prompts " + RESOURCE + " are missing from the jar; rebuild it");
            }
            JsonNode root = JSON.readTree(in);
            return new DemoPrompts(texts(root.path("system_prompts")), texts(root.path("questions")));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the demo's prompts " + RESOURCE, e);
        }
    }

    /**
     * {@code count} chat requests. Request i takes system prompt i mod S and the next question for
     * that prompt, so consecutive requests alternate prefixes and each prefix recurs every S requests.
     */
    List<Request> requests(int count, int maxTokens) {
        List<Request> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String system = systemPrompts.get(i % systemPrompts.size());
            String question = questions.get((i / systemPrompts.size()) % questions.size());
            String customId = String.format("demo-%03d", i + 1);
            requests.add(new Request(customId, question, requestJson(customId, system, question, maxTokens)));
        }
        return requests;
    }

    private static String requestJson(String customId, String system, String question, int maxTokens) {
        ObjectNode request = JSON.createObjectNode()
                .put("custom_id", customId)
                .put("method", "POST")
                .put("url", "/v1/chat/completions");
        ObjectNode body = request.putObject("body");
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        messages.addObject().put("role", "user").put("content", question);
        body.put("max_completion_tokens", maxTokens).put("temperature", 0.7);
        return request.toString();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        if (texts.isEmpty()) {
            throw new IllegalStateException("the demo's prompts " + RESOURCE + " lack system_prompts or questions");
        }
        return texts;
    }
}
