package io.flinfer.local;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import io.flinfer.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The whole pipeline in this process: an embedded Kafka broker with the job's topics, and the
 * streaming job running on a MiniCluster. For benchmarks and tests that drive real traffic through
 * it; {@code flinfer run} is the interactive equivalent.
 */
public final class LocalPipeline implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final PipelineOptions options;
    private final JobClient job;

    private LocalPipeline(EmbeddedKafka kafka, PipelineOptions options, JobClient job) {
        this.kafka = kafka;
        this.options = options;
        this.job = job;
    }

    /**
     * Starts the broker, creates the topics (the input topic with a partition per subtask) and
     * submits the job; returns once it is submitted, not once it runs.
     *
     * @param options the job's options for the broker's bootstrap servers
     * @param metricsPort port of the Prometheus endpoint; 0 disables it
     */
    public static LocalPipeline start(Function<String, PipelineOptions> options, int parallelism,
            Duration checkpointInterval, int metricsPort) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        try {
            PipelineOptions o = options.apply(kafka.bootstrapServers());
            kafka.createTopic(o.inputTopic(), parallelism);
            kafka.createTopic(o.outputTopic(), 1);
            kafka.createTopic(o.deadLetterTopic(), 1);
            StreamExecutionEnvironment env = LocalCluster.environment(parallelism, checkpointInterval, metricsPort);
            StreamingJob.build(env, o);
            return new LocalPipeline(kafka, o, env.executeAsync("flinfer"));
        } catch (Exception | Error e) {
            kafka.close();
            throw e;
        }
    }

    public PipelineOptions options() {
        return options;
    }

    /** Writes records to the input topic, keyed by nothing, and waits until the broker has them all. */
    public void publish(List<String> lines) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new StringSerializer())) {
            for (String line : lines) {
                producer.send(new ProducerRecord<>(options.inputTopic(), line));
            }
        }
    }

    /** A reader of a topic's committed records from its beginning. */
    public TopicReader reader(String topic) {
        return new TopicReader(topic);
    }

    /** Committed records of one topic, in the order they arrive. */
    public final class TopicReader implements AutoCloseable {
        private final String topic;
        private final KafkaConsumer<String, String> consumer;
        /** Polled, not yet returned: a poll may bring more than a read asked for. */
        private final Deque<String> polled = new ArrayDeque<>();

        private TopicReader(String topic) {
            this.topic = topic;
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    // Results become visible when the job's checkpoint commits them, as a real consumer sees them.
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new StringDeserializer());
            consumer.subscribe(List.of(topic));
        }

        /** The next {@code count} records; fails when they have not all arrived within {@code timeout}. */
        public List<String> read(int count, Duration timeout) {
            List<String> values = new ArrayList<>(count);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (values.size() < count) {
                if (!polled.isEmpty()) {
                    values.add(polled.poll());
                    continue;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + values.size() + " of " + count + " records arrived on "
                            + topic + " within " + timeout.toSeconds() + " s; is the job failing? (see its log)");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    polled.add(record.value());
                }
            }
            return values;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** Cancels the job (its MiniCluster goes with it) and stops the broker. */
    @Override
    public void close() throws Exception {
        try {
            job.cancel().get();
        } finally {
            kafka.close();
        }
    }
}
