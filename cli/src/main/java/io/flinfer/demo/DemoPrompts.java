package io.flinfer.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's requests, from the bundled {@code demo-prompts.json}: each request is one of a few long
 * shared openings followed by a short distinct part, so that many requests share a prefix. A model
 * with a chat template gets chat requests (a system prompt and a question); a story model such as
 * stories260K gets completion requests (the start of a story and a cue to go on from).
 */
public final class DemoPrompts {
    /** One request line of the OpenAI Batch API, with its distinct part (for printing). */
    public record Request(String customId, String cue, String json) {}

    /** Bytes that are not a request: the pipeline must send them to the dead-letter topic. */
    public static final String MALFORMED_LINE = "this line is not a request {";

    private static final String RESOURCE = "demo-prompts.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean chat;
    private final List<String> openings;
    private final List<String> cues;

    private DemoPrompts(boolean chat, List<String> openings, List<String> cues) {
        this.chat = chat;
        this.openings = openings;
        this.cues = cues;
    }

    /** @param chat whether the model renders chat messages (it has a chat template) */
    public static DemoPrompts bundled(boolean chat) {
        try (InputStream in = DemoPrompts.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the demo's prompts " + RESOURCE + " are missing from the jar; rebuild it");
            }
            JsonNode root = JSON.readTree(in);
            return chat
                    ? new DemoPrompts(true, texts(root.path("chat").path("system_prompts")), texts(root.path("chat").path("questions")))
                    : new DemoPrompts(false, texts(root.path("stories").path("openings")), texts(root.path("stories").path("continuations")));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the demo's prompts " + RESOURCE, e);
        }
    }

    /** What a request is: {@code "chat"} or {@code "completion"}. */
    public String kind() {
        return chat ? "chat" : "completion";
    }

    /**
     * {@code count} requests. Request i takes opening i mod S and the next cue for that opening, so
     * consecutive requests alternate prefixes and each prefix recurs every S requests; it names model
     * i mod M of {@code models} in its "model" field (null names none: the job's first model).
     */
    public List<Request> requests(int count, int maxTokens, List<String> models) {
        List<Request> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String opening = openings.get(i % openings.size());
            String cue = cues.get((i / openings.size()) % cues.size());
            String customId = String.format("demo-%03d", i + 1);
            requests.add(new Request(customId, cue, requestJson(customId, opening, cue, maxTokens, models.get(i % models.size()))));
        }
        return requests;
    }

    private String requestJson(String customId, String opening, String cue, int maxTokens, String model) {
        ObjectNode request = JSON.createObjectNode()
                .put("custom_id", customId)
                .put("method", "POST")
                .put("url", chat ? "/v1/chat/completions" : "/v1/completions");
        ObjectNode body = request.putObject("body");
        if (chat) {
            body.putArray("messages")
                    .add(JSON.createObjectNode().put("role", "system").put("content", opening))
                    .add(JSON.createObjectNode().put("role", "user").put("content", cue));
            body.put("max_completion_tokens", maxTokens);
        } else {
            body.put("prompt", opening + " " + cue).put("max_tokens", maxTokens);
        }
        body.put("temperature", 0.7);
        if (model != null) {
            body.put("model", model);
        }
        return request.toString();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        if (texts.isEmpty()) {
            throw new IllegalStateException("the demo's prompts " + RESOURCE + " lack a list of openings or cues");
        }
        return texts;
    }
}
