package io.flinfer.demo;

import io.flinfer.kafka.KafkaClients;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the demo's results and dead letters as the job commits them (read_committed: what a
 * downstream consumer would see), showing progress on one line of stderr.
 */
public final class DemoResultCollector {
    private static final Duration POLL = Duration.ofMillis(200);

    private final String bootstrapServers;
    private final Map<String, String> client;
    private final String resultsTopic;
    private final String deadLetterTopic;

    /** @param client more client settings (--kafka-properties) */
    public DemoResultCollector(String bootstrapServers, Map<String, String> client, String resultsTopic, String deadLetterTopic) {
        this.bootstrapServers = bootstrapServers;
        this.client = client;
        this.resultsTopic = resultsTopic;
        this.deadLetterTopic = deadLetterTopic;
    }

    /**
     * Adds records to {@code into} until {@code expectedResults} results and {@code expectedDeadLetters}
     * dead letters have arrived or {@code timeout} has passed; the caller compares the counts with what it expected.
     */
    public void collect(int expectedResults, int expectedDeadLetters, Duration timeout, DemoResults into, PrintWriter progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = KafkaClients.committedConsumer(bootstrapServers, client, true)) {
            KafkaClients.assignAll(consumer, List.of(resultsTopic, deadLetterTopic), timeout);
            showProgress(progress, into, expectedResults, expectedDeadLetters);
            while ((into.results() < expectedResults || into.deadLetters() < expectedDeadLetters)
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                    if (record.topic().equals(resultsTopic)) {
                        into.addResult(record.value());
                    } else {
                        into.addDeadLetter();
                    }
                    showProgress(progress, into, expectedResults, expectedDeadLetters);
                }
            }
        }
        progress.println();
        progress.flush();
    }

    private static void showProgress(PrintWriter progress, DemoResults r, int expectedResults, int expectedDeadLetters) {
        progress.printf("\rresults received: %d/%d   dead letters: %d/%d", r.results(), expectedResults,
                r.deadLetters(), expectedDeadLetters);
        progress.flush();
    }
}
