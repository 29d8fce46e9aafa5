package io.flinfer.jobs;

import io.flinfer.jobs.kafka.KafkaPropertiesOption;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import picocli.CommandLine;
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

    @Option(names = "--group-id", defaultValue = PipelineOptions.GROUP_ID, description = "Kafka consumer group of the job; the transactional ids of its exactly-once sinks start with flinfer-GROUP."
                    + " Default: ${DEFAULT-VALUE}.")
    String groupId;

    @Option(names = "--checkpoint-interval", defaultValue = PipelineOptions.CHECKPOINT_INTERVAL, converter = Durations.Converter.class,
            description = "How often to checkpoint; results commit to Kafka at checkpoints. Default: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    @Option(names = "--delivery-guarantee", defaultValue = "exactly-once", converter = DeliveryGuaranteeConverter.class,
            description = "exactly-once: results become visible to read_committed consumers when the checkpoint after them"
                    + " completes (latency includes up to one --checkpoint-interval). at-least-once: visible as soon as they"
                    + " are written; after a failure some appear twice (de-duplicate by custom_id). Default: ${DEFAULT-VALUE}.")
    DeliveryGuarantee deliveryGuarantee;

    @Mixin KafkaPropertiesOption kafkaProperties;

    @Mixin GenerationCommandOptions generation;

    /**
     * Resolves the model (a Hub id is downloaded) and makes the job's options against {@code bootstrapServers}
     * (null: a local run's embedded broker). Checkpointing is the caller's.
     */
    public PipelineOptions toOptions(String bootstrapServers, EngineOptions engine) {
        GenerationOptions g = generation.toOptions(engine, engine.toConfig());
        return PipelineOptions.builder(bootstrapServers, g.engine()).generation(g).topics(inputTopic, outputTopic, deadLetterTopic)
                .groupId(groupId).kafkaClient(kafkaClient()).deliveryGuarantee(deliveryGuarantee).build();
    }

    /** The settings of --kafka-properties; they travel inside the job graph, so the TaskManagers need no file. */
    public Map<String, String> kafkaClient() {
        return kafkaProperties.settings();
    }

    public Duration checkpointInterval() { return checkpointInterval; }

    /** The two guarantees the job offers, by the names Flink's documentation uses. */
    public static final class DeliveryGuaranteeConverter implements CommandLine.ITypeConverter<DeliveryGuarantee> {
        @Override
        public DeliveryGuarantee convert(String value) {
            return switch (value) {
                case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
                case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
                default -> throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a delivery guarantee; use exactly-once or at-least-once");
            };
        }
    }
}
