package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import java.io.Serializable;
import java.time.Duration;

/**
 * Everything the streaming job needs to know.
 *
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity, bounded load) or round robin
 * @param routingBalance ε of prefix routing: a generate subtask takes at most (1 + ε) times the average
 *        recent load; {@code Double.POSITIVE_INFINITY} for pure affinity
 * @param capacity most requests in flight per generate subtask
 * @param prefixKeyBlocks how many leading KV blocks of a prompt make its routing key
 * @param servedModelName the name requests may give in "model" (null accepts any)
 */
public record PipelineOptions(
        String bootstrapServers,
        String inputTopic,
        String outputTopic,
        String deadLetterTopic,
        String groupId,
        String transactionalIdPrefix,
        EngineConfig engine,
        int capacity,
        Duration requestTimeout,
        int prefixKeyBlocks,
        Routing routing,
        double routingBalance,
        String servedModelName) implements Serializable {

    public enum Routing { PREFIX, ROUND_ROBIN }

    /** A fair share and a quarter: affinity keeps most keys, no subtask runs far ahead of the rest. */
    public static final double DEFAULT_ROUTING_BALANCE = 0.25;
}
