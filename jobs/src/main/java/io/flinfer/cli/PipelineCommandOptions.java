package io.flinfer.cli;

import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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

    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "Kafka client settings (security.protocol, sasl.*, ssl.*, ...) for the job's consumer and producers, as a Java properties file. Read where the job is built.")
    Path kafkaProperties;

    @Option(names = "--served-model-name", description = "Reject requests whose \"model\" differs. Default: accept any.")
    String servedModelName;

    /**
     * Resolves the model and adds the streaming job to {@code env}: the one way from these options to a
     * job graph, for the local run and the cluster entry point alike. Checkpointing is the caller's.
     */
    public PipelineOptions addJob(StreamExecutionEnvironment env, String bootstrapServers, EngineOptions engine) {
        PipelineOptions options = toOptions(bootstrapServers, engine.toConfig());
        StreamingJob.build(env, options);
        return options;
    }

    private PipelineOptions toOptions(String bootstrapServers, EngineConfig engine) {
        return new PipelineOptions(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, groupId,
                "flinfer-" + groupId, engine, capacity, requestTimeout, prefixKeyBlocks, routing, servedModelName,
                kafkaClient());
    }

    /** The settings of --kafka-properties; they travel inside the job graph, so the TaskManagers need no file. */
    public Map<String, String> kafkaClient() {
        if (kafkaProperties == null) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(kafkaProperties)) {
            properties.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --kafka-properties " + kafkaProperties + ": " + e.getMessage(), e);
        }
        Map<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        return settings;
    }

    public Duration checkpointInterval() { return checkpointInterval; }
}
