package io.flinfer.cli;

import io.flinfer.jobs.GenerationCommandOptions;
import io.flinfer.jobs.GenerationOptions;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import java.time.Duration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Mixin;
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

    @Mixin GenerationCommandOptions generation;

    /**
     * Resolves the model and adds the streaming job to {@code env}: the one way from these options to a
     * job graph, for the local run and the cluster entry point alike. Checkpointing is the caller's.
     */
    public PipelineOptions addJob(StreamExecutionEnvironment env, String bootstrapServers, EngineOptions engine) {
        PipelineOptions options = toOptions(bootstrapServers, generation.toOptions(engine.toConfig(), engine.model()));
        StreamingJob.build(env, options);
        return options;
    }

    private PipelineOptions toOptions(String bootstrapServers, GenerationOptions g) {
        return new PipelineOptions(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId,
                "flinfer-" + groupId, g.engine(), g.capacity(), g.requestTimeout(), g.prefixKeyBlocks(), g.routing(), g.servedModel());
    }

    public Duration checkpointInterval() { return checkpointInterval; }
}
