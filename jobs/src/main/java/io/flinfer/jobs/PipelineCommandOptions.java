package io.flinfer.jobs;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "Kafka client settings (security.protocol, sasl.*, ssl.*, ...) for the job's consumer and producers,"
                    + " as a Java properties file, read where the job is built.")
    Path kafkaProperties;

    @Mixin GenerationCommandOptions generation;

    /**
     * Resolves the model (a Hub id is downloaded) and makes the job's options against {@code bootstrapServers}
     * (null: a local run's embedded broker). Checkpointing is the caller's.
     */
    public PipelineOptions toOptions(String bootstrapServers, EngineOptions engine) {
        GenerationOptions g = generation.toOptions(engine.toConfig(), engine.model());
        return PipelineOptions.builder(bootstrapServers, g.engine()).topics(inputTopic, outputTopic, deadLetterTopic)
                .groupId(groupId).maxInFlight(g.maxInFlight()).requestTimeout(g.requestTimeout()).prefixKeyBlocks(g.prefixKeyBlocks())
                .routing(g.routing()).routingBalance(g.routingBalance()).servedModel(g.servedModel())
                .kafkaClient(kafkaClient()).build();
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
