package io.flinfer.operators.records;

import java.io.Serializable;

/**
 * A request ready for the engine: tokenized, with the routing key of its prompt prefix and the
 * seed its sampling uses (its own, or one derived from its custom_id so a replay gives the same text).
 */
public final class PreparedRequest implements Serializable {
    private static final long serialVersionUID = 1L;

    private final InferenceRequest request;
    private final int[] promptIds;
    private final String prefixKey;
    private final long seed;

    public PreparedRequest(InferenceRequest request, int[] promptIds, String prefixKey, long seed) {
        this.request = request;
        this.promptIds = promptIds;
        this.prefixKey = prefixKey;
        this.seed = seed;
    }

    public InferenceRequest request() { return request; }
    public String customId() { return request.customId(); }
    public int[] promptIds() { return promptIds; }
    public String prefixKey() { return prefixKey; }
    public long seed() { return seed; }
}
