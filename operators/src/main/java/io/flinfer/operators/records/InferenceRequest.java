package io.flinfer.operators.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.tokenizer.ChatMessage;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One valid request of the OpenAI Batch API, ready for the engine. Only {@link RequestParser}
 * makes them, after checking every field the accessors read, so the accessors never fail.
 *
 * <p>It travels between Flink operators and sits in checkpointed state, so it is
 * {@link Serializable}. {@link SamplingParams} and {@link ChatMessage} are not, so instead of
 * holding them it holds the request body as a JSON string and rebuilds them on each call: four
 * plain fields, nothing to keep in sync with the engine's classes, and the cost (a few
 * microseconds of JSON parsing) is nothing next to generating the completion.
 */
public final class InferenceRequest implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String customId;
    private final Endpoint endpoint;
    private final String model;
    private final String body;

    private InferenceRequest(String customId, Endpoint endpoint, String model, String body) {
        this.customId = customId;
        this.endpoint = endpoint;
        this.model = model;
        this.body = body;
    }

    /** Checks all that the accessors read; throws {@link InvalidRequestException} with the reason. */
    static InferenceRequest validated(String customId, Endpoint endpoint, String model, ObjectNode body) {
        BodyFields fields = new BodyFields(body);
        if (endpoint == Endpoint.CHAT) {
            ChatMessages.from(fields);
        } else {
            prompt(fields);
        }
        SamplingParamsMapping.map(fields, endpoint);
        cacheSalt(fields);
        try {
            return new InferenceRequest(customId, endpoint, model, Json.MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a parsed JSON body must write back", e);
        }
    }

    public String customId() {
        return customId;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The body's {@code model}, else the served model's name. */
    public String model() {
        return model;
    }

    /** The chat messages; only for {@link Endpoint#CHAT}. */
    public List<ChatMessage> messages() {
        requireEndpoint(Endpoint.CHAT, "messages");
        return ChatMessages.from(fields());
    }

    /** The prompt text; only for {@link Endpoint#COMPLETION}. */
    public String prompt() {
        requireEndpoint(Endpoint.COMPLETION, "a prompt");
        return prompt(fields());
    }

    public SamplingParams samplingParams() {
        return SamplingParamsMapping.map(fields(), endpoint);
    }

    /** vLLM's {@code cache_salt}: requests share prefix-cache blocks only when their salts match. */
    public Optional<String> cacheSalt() {
        return cacheSalt(fields());
    }

    private static String prompt(BodyFields fields) {
        String prompt = fields.string("prompt").orElseThrow(() -> new InvalidRequestException(
                "prompt is required for " + Endpoint.COMPLETION.url()
                        + " (a string; lists of prompts and token ids are not supported)"));
        if (prompt.isEmpty()) {
            throw new InvalidRequestException("prompt must not be empty");
        }
        return prompt;
    }

    private static Optional<String> cacheSalt(BodyFields fields) {
        Optional<String> salt = fields.string("cache_salt");
        if (salt.isPresent() && salt.get().isEmpty()) {
            throw new InvalidRequestException("cache_salt must not be empty; leave it out for no salt");
        }
        return salt;
    }

    private BodyFields fields() {
        try {
            return new BodyFields((ObjectNode) Json.MAPPER.readTree(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the stored body was written by Jackson and must read back", e);
        }
    }

    private void requireEndpoint(Endpoint expected, String what) {
        if (endpoint != expected) {
            throw new IllegalStateException("request " + customId + " is for " + endpoint.url()
                    + " and has no " + what + "; check endpoint() first");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceRequest other
                && customId.equals(other.customId)
                && endpoint == other.endpoint
                && Objects.equals(model, other.model)
                && body.equals(other.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customId, endpoint, model, body);
    }

    @Override
    public String toString() {
        return "InferenceRequest{custom_id=" + customId + ", url=" + endpoint.url() + ", model=" + model + "}";
    }
}
