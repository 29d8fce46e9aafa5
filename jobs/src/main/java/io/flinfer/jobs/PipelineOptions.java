package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.io.Serializable;
import java.time.Duration;

/**
 * Everything the streaming job needs to know.
 *
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity) or round robin
 * @param capacity most requests in flight per generate subtask
 * @param prefixKeyBlocks how many leading KV blocks of a prompt make its routing key
 * @param servedModel the names requests may give in "model"; others are answered 404
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
        ServedModel servedModel) implements Serializable {

    public enum Routing { PREFIX, ROUND_ROBIN }
}
