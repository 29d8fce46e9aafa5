package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.io.Serializable;
import java.time.Duration;

/**
 * What the inference steps of every job need, whatever feeds them (Kafka or files).
 *
 * @param capacity most requests in flight per generate subtask
 * @param prefixKeyBlocks how many leading KV blocks of a prompt make its routing key
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity) or round robin
 * @param servedModel the names requests may give in "model"; others are answered 404
 */
public record GenerationOptions(
        EngineConfig engine,
        int capacity,
        Duration requestTimeout,
        int prefixKeyBlocks,
        PipelineOptions.Routing routing,
        ServedModel servedModel) implements Serializable {}
