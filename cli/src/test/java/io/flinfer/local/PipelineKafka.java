package io.flinfer.local;

import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.GenerationOptions;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.kafka.EmbeddedKafka;
import io.flinfer.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded broker for a test class ({@code @RegisterExtension static final PipelineKafka KAFKA}),
 * with fresh topics for each pipeline run.
 */
final class PipelineKafka implements BeforeAllCallback, AfterAllCallback {
    /** The three topics of one run. */
    record Topics(String input, String output, String deadLetters) {}

    private EmbeddedKafka kafka;
    private final AtomicInteger runs = new AtomicInteger();

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    Topics newTopics(int inputPartitions) {
        String prefix = "run" + runs.incrementAndGet() + "-";
        Topics topics = new Topics(prefix + "requests", prefix + "results", prefix + "dead-letters");
        kafka.createTopic(topics.input(), inputPartitions);
        kafka.createTopic(topics.output(), 1);
        kafka.createTopic(topics.deadLetters(), 1);
        return topics;
    }

    /** Options for the job on {@code topics}, with ids of its own so runs never share a group or transaction. */
    PipelineOptions options(Topics topics, EngineConfig engine, int maxInFlight,
            PipelineOptions.Routing routing) {
        return options(topics, engine, maxInFlight, routing, GenerationOptions.ROUTING_BALANCE);
    }

    /** With {@code routingBalance} as prefix routing's ε. */
    PipelineOptions options(Topics topics, EngineConfig engine, int maxInFlight,
            PipelineOptions.Routing routing, double routingBalance) {
        return PipelineOptions.builder(bootstrapServers(), engine).topics(topics.input(), topics.output(), topics.deadLetters())
                .groupId("group-" + topics.input()).maxInFlight(maxInFlight).requestTimeout(Duration.ofMinutes(5))
                .routing(routing).routingBalance(routingBalance).build();
    }

    /** Publishes each line, keyed as a client would by its position; waits until the broker has all of them. */
    void publish(String topic, List<String> lines) {
        publishBytes(topic, lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList());
    }

    /** Publishes {@code perPartition.get(p)} to partition p, in order; waits until the broker has all of them. */
    void publishToPartitions(String topic, List<List<String>> perPartition) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int p = 0; p < perPartition.size(); p++) {
                for (String line : perPartition.get(p)) {
                    sent.add(producer.send(new ProducerRecord<>(topic, p, null, line.getBytes(StandardCharsets.UTF_8))));
                }
            }
            awaitAll(topic, sent);
        }
    }

    void publishBytes(String topic, List<byte[]> values) {
        Map<String, Object> config = KafkaClients.producerConfig(bootstrapServers());
        // Room for the oversized records the bad-input test sends.
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, EmbeddedKafka.MAX_MESSAGE_BYTES);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * EmbeddedKafka.MAX_MESSAGE_BYTES);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8), values.get(i))));
            }
            awaitAll(topic, sent);
        }
    }

    private static void awaitAll(String topic, List<Future<RecordMetadata>> sent) {
        try {
            for (Future<RecordMetadata> record : sent) {
                record.get(1, TimeUnit.MINUTES);
            }
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            throw new IllegalStateException("could not publish to " + topic + ": " + e, e);
        }
    }

    CommittedReader reader(String topic) {
        return new CommittedReader(bootstrapServers(), topic);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka = EmbeddedKafka.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        kafka.close();
    }
}
