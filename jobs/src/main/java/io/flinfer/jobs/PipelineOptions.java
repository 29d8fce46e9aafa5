package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import java.io.Serializable;
import java.time.Duration;

/**
 * Everything the streaming job needs to know.
 *
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity) or round robin
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
        String servedModelName) implements Serializable {

    public enum Routing { PREFIX, ROUND_ROBIN }

    /** The options of the inference steps, which the batch job shares. */
    public GenerationOptions generation() {
        return new GenerationOptions(engine, capacity, requestTimeout, prefixKeyBlocks, routing, servedModelName);
    }
}
