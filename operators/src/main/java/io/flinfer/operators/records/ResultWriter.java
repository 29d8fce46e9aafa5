package io.flinfer.operators.records;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes output lines of the OpenAI Batch API: {@code {"id", "custom_id", "response":
 * {"status_code", "request_id", "body"}, "error"}}, one JSON object without a trailing newline.
 *
 * <p>The ids derive from the {@code custom_id} (which the Batch API requires to be unique in a
 * batch), not from a random source: a request replayed after a failure gets the very same line.
 */
public final class ResultWriter {
    private ResultWriter() {}

    /** The line for a completed request; {@code model} as the request named it, {@code created} in Unix seconds. */
    public static String success(String customId, Endpoint endpoint, String model, Completion completion, long created) {
        String suffix = idSuffix(customId);
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("id", endpoint.responseIdPrefix() + suffix)
                .put("object", endpoint.responseObject())
                .put("created", created)
                .put("model", model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        if (endpoint == Endpoint.CHAT) {
            choice.putObject("message").put("role", "assistant").put("content", completion.text());
        } else {
            choice.put("text", completion.text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", completion.finishReason().openAiName());
        ObjectNode usage = body.putObject("usage")
                .put("prompt_tokens", completion.promptTokens())
                .put("completion_tokens", completion.completionTokens())
                .put("total_tokens", completion.promptTokens() + completion.completionTokens());
        usage.putObject("prompt_tokens_details").put("cached_tokens", completion.cachedTokens());

        ObjectNode line = envelope(customId, suffix, 200);
        ((ObjectNode) line.get("response")).set("body", body);
        line.putNull("error");
        return line.toString();
    }

    /** The line for a request that cannot be served as written (status 400). */
    public static String badRequest(String customId, String message) {
        return error(customId, RequestError.BAD_REQUEST, message);
    }

    /**
     * The line for a request answered with an error. The message goes to both places clients look:
     * {@code response.body.error} (as the HTTP API answers) and the top-level {@code error}.
     */
    public static String error(String customId, RequestError error, String message) {
        String suffix = idSuffix(customId);
        ObjectNode line = envelope(customId, suffix, error.status());
        ((ObjectNode) line.get("response")).putObject("body").putObject("error")
                .put("message", message)
                .put("type", error.type())
                .putNull("param")
                .put("code", error.status());
        line.putObject("error").put("code", error.code()).put("message", message);
        return line.toString();
    }

    private static ObjectNode envelope(String customId, String suffix, int statusCode) {
        ObjectNode line = Json.MAPPER.createObjectNode()
                .put("id", "batch_req_" + suffix)
                .put("custom_id", customId);
        line.putObject("response").put("status_code", statusCode).put("request_id", "req_" + suffix);
        return line;
    }

    /** 24 hex digits of SHA-256(custom_id): stable across replays, collision-free in practice. */
    private static String idSuffix(String customId) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(customId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
