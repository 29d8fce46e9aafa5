package io.flinfer.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic from its beginning as a {@code read_committed} consumer does: only what the job's
 * transactions committed. Keeps every record it has read.
 */
public final class CommittedReader implements AutoCloseable {
    /** A poll for callers that sample something else between polls. */
    private static final Duration POLL = Duration.ofMillis(100);
    /**
     * A poll while waiting for records: it returns as soon as records arrive, so a long one delays
     * nothing, and an idle reader wakes once a second instead of ten times (its CPU competes with the
     * pipeline it measures). A poll that only moves past a transaction's commit marker returns at its
     * end, so {@link #readToEnd} may take up to that much longer.
     */
    private static final Duration WAIT = Duration.ofSeconds(1);
    /** How long a topic created a moment ago may take to show its partitions. */
    private static final Duration METADATA = Duration.ofSeconds(30);

    private final KafkaConsumer<String, String> consumer;
    private final List<TopicPartition> partitions;
    private final List<ConsumerRecord<String, String>> records = new ArrayList<>();
    /** How many of {@link #records} {@link #read} has handed out. */
    private int handedOut;

    public CommittedReader(String bootstrapServers, String topic) {
        this(bootstrapServers, Map.of(), topic);
    }

    /** @param client more client settings (--kafka-properties) */
    public CommittedReader(String bootstrapServers, Map<String, String> client, String topic) {
        consumer = KafkaClients.committedConsumer(bootstrapServers, client, true);
        partitions = KafkaClients.assignAll(consumer, List.of(topic), METADATA);
        consumer.seekToBeginning(partitions);
    }

    /** Everything read so far, in the order read. */
    public List<String> values() {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** The next {@code count} records, after those handed out before; fails when they do not all arrive within {@code timeout}. */
    public List<String> read(int count, Duration timeout) {
        int from = handedOut;
        List<String> values = readUntil(v -> v.size() >= from + count, timeout, () -> count + " more records");
        handedOut = from + count;
        return values.subList(from, from + count);
    }

    /**
     * Reads until {@code done} holds for the values read so far.
     *
     * @param waitingFor what the caller waits for, said when the time is up
     */
    public List<String> readUntil(Predicate<List<String>> done, Duration timeout, Supplier<String> waitingFor) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(values())) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + waitingFor.get()
                        + "; read " + records.size() + " committed records from " + partitions + "; is the job failing? (see its log)");
            }
            poll(WAIT);
        }
        return values();
    }

    /** Reads up to the last committed record of every partition (the last stable offset). */
    public List<String> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        return readUntil(v -> end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue()),
                timeout, () -> "the end offsets " + end);
    }

    /** One poll; for callers that sample something else between polls. */
    public void poll() {
        poll(POLL);
    }

    private void poll(Duration wait) {
        consumer.poll(wait).forEach(records::add);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
