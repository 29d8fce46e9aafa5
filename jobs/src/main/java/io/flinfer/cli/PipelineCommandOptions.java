package io.flinfer.cli;

import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import io.flinfer.operators.records.ServedModel;
import java.time.Duration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Option;

/**
 * The streaming job's options, shared by {@code flinfer run} and the cluster entry point
 * {@link io.flinfer.jobs.FlinferJob}. Parallelism and the metrics reporter are not here: on a
 * cluster they belong to the cluster's configuration, so only the local run has options for them.
 */
public final class PipelineCommandOptions {
    @Option(names = "--input-topic", defaultValue = "prompts", description = "Topic of request lines. Default: ${DEFAULT-VALUE}.")
    String inputTopic;

    @Option(names = "--output-topic", defaultValue = "completions", description = "Topic of result lines. Default: ${DEFAULT-VALUE}.")
    String outputTopic;

    @Option(names = "--dlq-topic", defaultValue = "prompts.dlq", description = "Dead-letter topic for records that are not requests. Default: ${DEFAULT-VALUE}.")
    String deadLetterTopic;

    @Option(names = "--group-id", defaultValue = "flinfer", description = "Kafka consumer group of the job. Default: ${DEFAULT-VALUE}.")
    String groupId;

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

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model name requests may give; others get a 404 model_not_found result."
                    + " Default: the --model argument, or its last path element.")
    String servedModelName;

    /**
     * Resolves the model and adds the streaming job to {@code env}: the one way from these options to a
     * job graph, for the local run and the cluster entry point alike. Checkpointing is the caller's.
     */
    public PipelineOptions addJob(StreamExecutionEnvironment env, String bootstrapServers, EngineOptions engine) {
        PipelineOptions options = toOptions(bootstrapServers, engine.toConfig(), servedModel(engine.model()));
        StreamingJob.build(env, options);
        return options;
    }

    private PipelineOptions toOptions(String bootstrapServers, EngineConfig engine, ServedModel servedModel) {
        return new PipelineOptions(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId,
                "flinfer-" + groupId, engine, capacity, requestTimeout, prefixKeyBlocks, routing, servedModel);
    }

    private ServedModel servedModel(String modelArgument) {
        return servedModelName != null ? ServedModel.named(servedModelName) : ServedModel.ofModelArgument(modelArgument);
    }

    public Duration checkpointInterval() { return checkpointInterval; }
}
