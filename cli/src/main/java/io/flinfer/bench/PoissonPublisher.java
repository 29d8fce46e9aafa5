package io.flinfer.bench;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.KafkaClients;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes request lines from a thread of its own at Poisson arrival times, as vLLM's
 * {@code bench serve --request-rate} sends requests: exponential gaps of mean {@code 1 / rate},
 * drawn from a seed, independent of how fast results come back (an open loop). At an infinite rate
 * every line goes at once. It remembers when it sent each one.
 */
final class PoissonPublisher implements AutoCloseable {
    private final Map<String, Long> sentNanos = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile RuntimeException failure;

    /** @param lines request lines by their custom_id, in the order to send them */
    PoissonPublisher(PipelineOptions options, Map<String, String> lines, double rate, long seed) {
        long[] offsets = arrivalOffsetsNanos(lines.size(), rate, seed);
        List<Map.Entry<String, String>> ordered = List.copyOf(lines.entrySet());
        thread = new Thread(() -> publish(options, ordered, offsets), "bench-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    /** When each request is due, from the first: cumulative exponential gaps, all zero at an infinite rate. */
    static long[] arrivalOffsetsNanos(int n, double rate, long seed) {
        Random random = new Random(seed);
        long[] offsets = new long[n];
        double t = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = Double.isInfinite(rate) ? 0 : Math.round(t * 1e9);
            t += -Math.log(1 - random.nextDouble()) / rate;
        }
        return offsets;
    }

    private void publish(PipelineOptions options, List<Map.Entry<String, String>> lines, long[] offsets) {
        try (KafkaProducer<String, String> producer = KafkaClients.producer(options.bootstrapServers(), options.kafkaClient())) {
            long start = System.nanoTime();
            for (int i = 0; i < lines.size(); i++) {
                long wait = start + offsets[i] - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                sentNanos.put(lines.get(i).getKey(), System.nanoTime());
                producer.send(new ProducerRecord<>(options.inputTopic(), lines.get(i).getValue()));
            }
            producer.flush();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /** When the request was handed to the producer; a result can only be read after that. */
    long sentNanos(String customId) {
        if (failure != null) {
            throw new IllegalStateException("publishing the benchmark's requests failed: " + failure.getMessage(), failure);
        }
        Long sent = sentNanos.get(customId);
        if (sent == null) {
            throw new IllegalStateException("a result for " + customId + ", which was not published");
        }
        return sent;
    }

    /** Seconds from the first request sent to the last, once all are sent. */
    double sentSpanSeconds() {
        LongSummaryStatistics sent = sentNanos.values().stream().mapToLong(Long::longValue).summaryStatistics();
        return (sent.getMax() - sent.getMin()) / 1e9;
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
    }
}
