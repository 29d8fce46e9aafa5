package io.flinfer.operators.records;

import java.util.Arrays;
import java.util.Optional;

/** The OpenAI endpoints a batch line may name in its {@code url}. */
public enum Endpoint {
    /** {@code /v1/chat/completions}: a list of messages, rendered with the model's chat template. */
    CHAT("/v1/chat/completions", "chat.completion", "chatcmpl-", 256),
    /** {@code /v1/completions}: one prompt string, used as is. */
    COMPLETION("/v1/completions", "text_completion", "cmpl-", 16);

    private final String url;
    private final String responseObject;
    private final String responseIdPrefix;
    private final int defaultMaxTokens;

    Endpoint(String url, String responseObject, String responseIdPrefix, int defaultMaxTokens) {
        this.url = url;
        this.responseObject = responseObject;
        this.responseIdPrefix = responseIdPrefix;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    public String url() {
        return url;
    }

    /** The {@code object} field of a response body: {@code chat.completion} or {@code text_completion}. */
    public String responseObject() {
        return responseObject;
    }

    String responseIdPrefix() {
        return responseIdPrefix;
    }

    /**
     * {@code max_tokens} when the request gives none. Completions: OpenAI's documented 16. Chat:
     * OpenAI and vLLM fill the rest of the context window, which for a batch job means one runaway
     * request can hold a slot for minutes; 256 is enough for a typical answer and bounded.
     */
    public int defaultMaxTokens() {
        return defaultMaxTokens;
    }

    static Optional<Endpoint> fromUrl(String url) {
        return Arrays.stream(values()).filter(e -> e.url.equals(url)).findFirst();
    }

    /** The endpoint a serializer wrote by its url. */
    static Endpoint ofStoredUrl(String url) {
        return fromUrl(url).orElseThrow(() -> new IllegalStateException("no endpoint has the stored url " + url));
    }
}
