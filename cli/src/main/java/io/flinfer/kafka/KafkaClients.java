package io.flinfer.kafka;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka clients of the local tools and their tests, configured once: consumers that see what the
 * pipeline's transactions committed, producers that wait for the broker, topics made when missing.
 */
public final class KafkaClients {
    /** Where {@code flinfer kafka} listens, and where the client commands look by default. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration BROKER_PROBE = Duration.ofSeconds(5);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private KafkaClients() {}

    /** What every command that talks to Kafka tells a user who cannot reach it. */
    public static String unreachable(String bootstrapServers) {
        return "could not reach Kafka at " + bootstrapServers
                + " (is it running? `flinfer kafka` starts a local one on " + DEFAULT_BOOTSTRAP_SERVERS + ")";
    }

    /**
     * A consumer that sees only committed records ({@code read_committed}, as downstream of the exactly-once
     * sinks) in a group of its own that commits nothing, so every reader reads afresh.
     *
     * @param fromBeginning start at the earliest record when subscribing; otherwise at the latest
     */
    public static KafkaConsumer<String, String> committedConsumer(String bootstrapServers, boolean fromBeginning) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "flinfer-reader-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest"),
                new StringDeserializer(), new StringDeserializer());
    }

    /** A producer of text records that waits for every replica and fails within seconds when no broker answers. */
    public static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(producerConfig(bootstrapServers), new StringSerializer(), new StringSerializer());
    }

    /** {@link #producer}'s settings, for producers of other types or with more settings. */
    public static Map<String, Object> producerConfig(String bootstrapServers) {
        return new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // Fail within seconds, not the default minute, when no broker answers.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000));
    }

    /**
     * Waits until a broker answers at {@code bootstrapServers}, saying so while it waits, and returns the
     * id of its cluster. Waits as long as it takes: a service started before its broker should not exit.
     *
     * @param client more client settings (security.protocol, sasl.*, ...), as the job's own clients get them
     */
    public static String awaitBroker(String bootstrapServers, Map<String, String> client, PrintWriter log)
            throws InterruptedException {
        Duration backoff = Duration.ofSeconds(1);
        while (true) {
            try (Admin admin = admin(bootstrapServers, client, BROKER_PROBE)) {
                return admin.describeCluster().clusterId().get(BROKER_PROBE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.println("Waiting for Kafka at " + bootstrapServers + ": not reachable yet ("
                        + (e.getCause() != null ? e.getCause() : e) + "); trying again in " + backoff.toSeconds() + " s.");
                log.flush();
            }
            Thread.sleep(backoff.toMillis());
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /**
     * Creates those of {@code partitions}' topics that do not exist yet; returns the names it created.
     *
     * @param partitions partitions of each topic, by name
     * @param replicationFactor replicas of each new topic; 0 takes the broker's {@code default.replication.factor}
     */
    public static List<String> createMissingTopics(String bootstrapServers, Map<String, String> client,
            Map<String, Integer> partitions, int replicationFactor) {
        try (Admin admin = admin(bootstrapServers, client, ADMIN_TIMEOUT)) {
            Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Optional<Short> replicas = replicationFactor > 0 ? Optional.of((short) replicationFactor) : Optional.empty();
            List<NewTopic> missing = new ArrayList<>();
            partitions.forEach((name, count) -> {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, Optional.of(count), replicas));
                }
            });
            admin.createTopics(missing).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create topics " + partitions.keySet() + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("could not create topics " + partitions.keySet() + ": " + e, e);
        }
    }

    private static Admin admin(String bootstrapServers, Map<String, String> client, Duration timeout) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        return Admin.create(config);
    }
}
