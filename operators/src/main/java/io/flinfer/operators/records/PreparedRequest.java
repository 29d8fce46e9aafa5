package io.flinfer.operators.records;

import java.io.Serializable;

/**
 * A request ready for the engine: tokenized, with the routing key of its prompt prefix, the seed
 * its sampling uses (its own, or one derived from its custom_id so a replay gives the same text),
 * and, once routed by prefix, the generate subtask chosen for it.
 */
public final class PreparedRequest implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The subtask of a request that no router has seen. */
    public static final int UNROUTED = -1;

    private final InferenceRequest request;
    private final int[] promptIds;
    private final String prefixKey;
    private final long seed;
    private final int subtask;

    public PreparedRequest(InferenceRequest request, int[] promptIds, String prefixKey, long seed) {
        this(request, promptIds, prefixKey, seed, UNROUTED);
    }

    private PreparedRequest(InferenceRequest request, int[] promptIds, String prefixKey, long seed, int subtask) {
        this.request = request;
        this.promptIds = promptIds;
        this.prefixKey = prefixKey;
        this.seed = seed;
        this.subtask = subtask;
    }

    /** This request, routed to generate subtask {@code subtask}. */
    public PreparedRequest routedTo(int subtask) {
        return new PreparedRequest(request, promptIds, prefixKey, seed, subtask);
    }

    public InferenceRequest request() { return request; }
    public String customId() { return request.customId(); }
    public int[] promptIds() { return promptIds; }
    public String prefixKey() { return prefixKey; }
    public long seed() { return seed; }
    /** The generate subtask a router chose, or {@link #UNROUTED}. */
    public int subtask() { return subtask; }
}
