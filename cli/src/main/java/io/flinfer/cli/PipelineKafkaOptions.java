package io.flinfer.cli;

import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.kafka.KafkaPropertiesOption;
import java.util.UUID;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where {@code demo} and {@code bench pipeline} run their throwaway pipeline: an embedded broker by
 * default, or a Kafka of the user's (secured with --kafka-properties). There each run gets topics and a
 * consumer group of its own, so that it never reads another run's requests or results, nor feeds a real
 * pipeline's topics.
 */
final class PipelineKafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka to use instead of an embedded broker. Each run then creates topics of its own there,"
                    + " NAME-ID.prompts, NAME-ID.completions and NAME-ID.dlq (ID new for each run; the job's group is"
                    + " NAME-ID), and leaves them. Default: start an embedded broker.")
    String bootstrapServers;

    @Mixin KafkaPropertiesOption kafkaProperties;

    /**
     * The pipeline's options: on the embedded broker, the default topics and {@code name} as the group; on
     * the user's, the topics and group of this run.
     */
    PipelineOptions.Builder options(EngineConfig engine, String name) {
        PipelineOptions.Builder options = PipelineOptions.builder(bootstrapServers, engine).kafkaClient(kafkaProperties.settings());
        if (bootstrapServers == null) {
            return options.groupId(name);
        }
        String run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        return options.topics(run + ".prompts", run + ".completions", run + ".dlq").groupId(run);
    }
}
