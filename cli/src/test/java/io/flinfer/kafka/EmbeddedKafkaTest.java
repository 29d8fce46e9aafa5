package io.flinfer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs a real in-process broker; one broker for the whole class keeps the tests fast. */
class EmbeddedKafkaTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBrokerAndCheckItsDataIsGone() {
        kafka.close();
        assertThat(kafka.logDirectory()).doesNotExist();
    }

    @Test
    void dataLivesInATemporaryDirectoryWhileRunning() {
        assertThat(kafka.logDirectory()).isDirectory();
        assertThat(kafka.logDirectory().resolve("meta.properties")).isRegularFile();
    }

    @Test
    void readCommittedConsumerSeesOnlyCommittedTransactions() {
        kafka.createTopic("tx", 2);
        try (KafkaProducer<String, String> producer = transactionalProducer()) {
            producer.initTransactions();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx", "k1", "committed-1"));
            producer.send(new ProducerRecord<>("tx", "k2", "committed-2"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx", "k3", "aborted"));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx", "k4", "committed-3"));
            producer.commitTransaction();
        }

        assertThat(readAll("tx", "read_committed", 3))
                .containsExactlyInAnyOrder("committed-1", "committed-2", "committed-3");
        // The aborted record is in the log: a read_uncommitted consumer proves it was written.
        assertThat(readAll("tx", "read_uncommitted", 4)).contains("aborted");
    }

    @Test
    void createdTopicHasTheAskedPartitions() {
        kafka.createTopic("three", 3);
        try (KafkaConsumer<String, String> consumer = consumer("read_committed")) {
            assertThat(consumer.partitionsFor("three")).hasSize(3);
        }
    }

    private static KafkaProducer<String, String> transactionalProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-" + UUID.randomUUID(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(String isolation) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation),
                new StringDeserializer(), new StringDeserializer());
    }

    /**
     * Reads until {@code expected} records arrived, then one more poll to catch any extra record
     * that should not be there; fails after 30 s.
     */
    private static List<String> readAll(String topic, String isolation, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(isolation)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }
}
