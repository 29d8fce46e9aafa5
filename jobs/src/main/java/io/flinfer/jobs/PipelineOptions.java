package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;

/**
 * Everything the streaming job needs to know.
 *
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity) or round robin
 * @param capacity most requests in flight per generate subtask
 * @param prefixKeyBlocks how many leading KV blocks of a prompt make its routing key
 * @param servedModelName the name requests may give in "model" (null accepts any)
 * @param kafkaClient more Kafka client settings for the source and the sinks alike (SASL, TLS, ...)
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
        String servedModelName,
        Map<String, String> kafkaClient) implements Serializable {

    public PipelineOptions {
        kafkaClient = Map.copyOf(kafkaClient);
    }

    /** Options for a broker that needs no client settings beyond its address. */
    public PipelineOptions(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
            String groupId, String transactionalIdPrefix, EngineConfig engine, int capacity, Duration requestTimeout,
            int prefixKeyBlocks, Routing routing, String servedModelName) {
        this(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId, transactionalIdPrefix, engine, capacity,
                requestTimeout, prefixKeyBlocks, routing, servedModelName, Map.of());
    }

    public enum Routing { PREFIX, ROUND_ROBIN }
}
