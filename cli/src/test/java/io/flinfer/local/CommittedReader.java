package io.flinfer.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic from its beginning as a {@code read_committed} consumer does: only what the job's
 * transactions committed. Keeps every record it has read.
 */
final class CommittedReader implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<String, String> consumer;
    private final List<TopicPartition> partitions;
    private final List<ConsumerRecord<String, String>> records = new ArrayList<>();

    CommittedReader(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new StringDeserializer(), new StringDeserializer());
        partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Everything read so far, in the order read. */
    List<String> values() {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /**
     * Reads until {@code done} holds for the values read so far.
     *
     * @param waitingFor what the caller waits for, said when the time is up
     */
    List<String> readUntil(Predicate<List<String>> done, Duration timeout, Supplier<String> waitingFor) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(values())) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + waitingFor.get()
                        + "; read " + records.size() + " committed records from " + partitions);
            }
            poll();
        }
        return values();
    }

    /** Reads up to the last committed record of every partition (the last stable offset). */
    List<String> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        return readUntil(v -> end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue()),
                timeout, () -> "the end offsets " + end);
    }

    /** One poll; for callers that sample something else between polls. */
    void poll() {
        consumer.poll(POLL).forEach(records::add);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
