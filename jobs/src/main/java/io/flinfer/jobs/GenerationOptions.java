package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.io.Serializable;
import java.time.Duration;

/**
 * What the inference steps of every job need, whatever feeds them (Kafka or files).
 *
 * @param maxInFlight most requests in flight per generate subtask
 * @param prefixKeyBlocks how many leading KV blocks of a prompt make its routing key
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity) or round robin
 * @param routingBalance ε of prefix routing: a generate subtask takes at most (1 + ε) times the average
 *     recent load before a prefix spills to the next subtask on its ring
 * @param servedModel the names requests may give in "model"; others are answered 404
 */
public record GenerationOptions(
        EngineConfig engine,
        int maxInFlight,
        Duration requestTimeout,
        int prefixKeyBlocks,
        PipelineOptions.Routing routing,
        double routingBalance,
        ServedModel servedModel) implements Serializable {}
