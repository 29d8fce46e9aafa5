package io.flinfer.jobs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flinfer.engine.EngineConfig;
import io.flinfer.kafka.EmbeddedKafka;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real streaming job on a MiniCluster with the Prometheus reporter on a free port, fed by a
 * real embedded Kafka broker: what the metric tests run their requests through.
 */
final class PipelineRun implements AutoCloseable {
    static final String INPUT = "prompts";
    static final String OUTPUT = "completions";
    static final String DEAD_LETTERS = "prompts.dlq";

    private final EmbeddedKafka kafka;
    private final JobClient job;
    private final int metricsPort;

    private PipelineRun(EmbeddedKafka kafka, JobClient job, int metricsPort) {
        this.kafka = kafka;
        this.job = job;
        this.metricsPort = metricsPort;
    }

    /** The shared stories260K model; skips the test when the shared folder is absent. */
    static Path stories260K() {
        String shared = System.getProperty("flinfer.shared");
        assumeTrue(shared != null && Files.isDirectory(Path.of(shared)),
                "Skipped: the shared folder (system property flinfer.shared=" + shared + ") is absent");
        Path model = Path.of(shared, "models", "stories260K");
        assumeTrue(Files.isRegularFile(model.resolve("tokenizer.json")), "Skipped: " + model + " has no tokenizer.json");
        return model;
    }

    static PipelineRun start(EngineConfig engine, int parallelism) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        kafka.createTopic(INPUT, parallelism);
        kafka.createTopic(OUTPUT, 1);
        kafka.createTopic(DEAD_LETTERS, 1);
        int port = freePort();
        PipelineOptions options = new PipelineOptions(kafka.bootstrapServers(), INPUT, OUTPUT, DEAD_LETTERS, "metrics-test",
                "metrics-test-" + UUID.randomUUID(), engine, 64, Duration.ofMinutes(5), 4, PipelineOptions.Routing.PREFIX, null);
        StreamExecutionEnvironment env = LocalCluster.environment(parallelism, Duration.ofMillis(500), port);
        StreamingJob.build(env, options);
        return new PipelineRun(kafka, env.executeAsync("metrics-test"), port);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    int metricsPort() {
        return metricsPort;
    }

    void publish(List<String> lines) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (String line : lines) {
                producer.send(new ProducerRecord<>(INPUT, line));
            }
        }
    }

    /** The first {@code count} committed records of {@code topic}; fails after {@code timeout}. */
    List<String> read(String topic, int count, Duration timeout) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (values.size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + values.size() + " of " + count + " records on " + topic
                            + " after " + timeout + ": " + values);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    @Override
    public void close() throws Exception {
        try {
            job.cancel().get();
        } finally {
            kafka.close();
        }
    }
}
