package io.flinfer.jobs;

import io.flinfer.operators.records.ServedModel;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The streaming job's options, shared by {@code flinfer run} and the cluster entry point
 * {@link io.flinfer.jobs.FlinferJob}. Parallelism and the metrics reporter are not here: on a
 * cluster they belong to the cluster's configuration, so only the local run has options for them.
 */
public final class PipelineCommandOptions {
    @Option(names = "--input-topic", defaultValue = PipelineOptions.INPUT_TOPIC, description = "Topic of request lines. Default: ${DEFAULT-VALUE}.")
    String inputTopic;

    @Option(names = "--output-topic", defaultValue = PipelineOptions.OUTPUT_TOPIC, description = "Topic of result lines. Default: ${DEFAULT-VALUE}.")
    String outputTopic;

    @Option(names = "--dlq-topic", defaultValue = PipelineOptions.DEAD_LETTER_TOPIC, description = "Dead-letter topic for records that are not requests. Default: ${DEFAULT-VALUE}.")
    String deadLetterTopic;

    @Option(names = "--group-id", defaultValue = PipelineOptions.GROUP_ID, description = "Kafka consumer group of the job. Default: ${DEFAULT-VALUE}.")
    String groupId;

    @Option(names = "--checkpoint-interval", defaultValue = PipelineOptions.CHECKPOINT_INTERVAL, converter = Durations.Converter.class,
            description = "How often to checkpoint; results commit to Kafka at checkpoints. Default: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    @Option(names = "--max-in-flight", defaultValue = "" + PipelineOptions.MAX_IN_FLIGHT,
            description = "Most requests in flight per generate subtask; beyond it the job backpressures. Default: ${DEFAULT-VALUE}.")
    int maxInFlight;

    @Option(names = "--request-timeout", defaultValue = PipelineOptions.REQUEST_TIMEOUT, converter = Durations.Converter.class,
            description = "A request not finished by then gets an error result. Default: ${DEFAULT-VALUE}.")
    Duration requestTimeout;

    @Option(names = "--prefix-key-blocks", defaultValue = "" + PipelineOptions.PREFIX_KEY_BLOCKS,
            description = "Leading KV blocks of a prompt that make its routing key. Default: ${DEFAULT-VALUE}.")
    int prefixKeyBlocks;

    @Option(names = "--routing", defaultValue = "PREFIX",
            description = "How requests reach generate subtasks: PREFIX (by prompt prefix, for cache hits) or ROUND_ROBIN. Default: ${DEFAULT-VALUE}.")
    PipelineOptions.Routing routing;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model name requests may give; others get a 404 model_not_found result."
                    + " Default: the --model argument, or its last path element.")
    String servedModelName;

    /**
     * Resolves the model (a Hub id is downloaded) and makes the job's options against {@code bootstrapServers}
     * (null: a local run's embedded broker). Checkpointing is the caller's.
     */
    public PipelineOptions toOptions(String bootstrapServers, EngineOptions engine) {
        ServedModel served = servedModelName != null ? ServedModel.named(servedModelName) : ServedModel.ofModelArgument(engine.model());
        return PipelineOptions.builder(bootstrapServers, engine.toConfig()).topics(inputTopic, outputTopic, deadLetterTopic)
                .groupId(groupId).maxInFlight(maxInFlight).requestTimeout(requestTimeout).prefixKeyBlocks(prefixKeyBlocks)
                .routing(routing).servedModel(served).build();
    }

    public Duration checkpointInterval() { return checkpointInterval; }
}
