package io.flinfer.cli;

import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.PipelineOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The streaming job's options, shared by the commands that run it. */
public final class PipelineCommandOptions {
    @Option(names = "--input-topic", defaultValue = "prompts", description = "Topic of request lines. Default: ${DEFAULT-VALUE}.")
    String inputTopic;

    @Option(names = "--output-topic", defaultValue = "completions", description = "Topic of result lines. Default: ${DEFAULT-VALUE}.")
    String outputTopic;

    @Option(names = "--dlq-topic", defaultValue = "prompts.dlq", description = "Dead-letter topic for records that are not requests. Default: ${DEFAULT-VALUE}.")
    String deadLetterTopic;

    @Option(names = "--group-id", defaultValue = "flinfer", description = "Kafka consumer group of the job. Default: ${DEFAULT-VALUE}.")
    String groupId;

    @Option(names = "--parallelism", defaultValue = "1", description = "Parallel subtasks of every operator. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--checkpoint-interval", defaultValue = "10s", converter = Durations.Converter.class,
            description = "How often to checkpoint; results commit to Kafka at checkpoints. Default: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    @Option(names = "--max-in-flight", defaultValue = "128",
            description = "Most requests in flight per generate subtask; beyond it the job backpressures. Default: ${DEFAULT-VALUE}.")
    int capacity;

    @Option(names = "--request-timeout", defaultValue = "10m", converter = Durations.Converter.class,
            description = "A request not finished by then gets an error result. Default: ${DEFAULT-VALUE}.")
    Duration requestTimeout;

    @Option(names = "--prefix-key-blocks", defaultValue = "4",
            description = "Leading KV blocks of a prompt that make its routing key. Default: ${DEFAULT-VALUE}.")
    int prefixKeyBlocks;

    @Option(names = "--routing", defaultValue = "PREFIX",
            description = "How requests reach generate subtasks: PREFIX (by prompt prefix, for cache hits) or ROUND_ROBIN. Default: ${DEFAULT-VALUE}.")
    PipelineOptions.Routing routing;

    @Option(names = "--served-model-name", description = "Reject requests whose \"model\" differs. Default: accept any.")
    String servedModelName;

    @Option(names = "--metrics-port", defaultValue = "9249", description = "Port of the Prometheus metrics endpoint; 0 disables it. Default: ${DEFAULT-VALUE}.")
    int metricsPort;

    public PipelineOptions toOptions(String bootstrapServers, EngineConfig engine) {
        return new PipelineOptions(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId,
                "flinfer-" + groupId, engine, capacity, requestTimeout, prefixKeyBlocks, routing, servedModelName);
    }

    public int parallelism() { return parallelism; }
    public Duration checkpointInterval() { return checkpointInterval; }
    public int metricsPort() { return metricsPort; }
}
