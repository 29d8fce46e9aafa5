package io.flinfer.kafka;

import io.flinfer.jobs.kafka.KafkaAccess;
import io.flinfer.jobs.kafka.KafkaAccessDenied;
import io.flinfer.jobs.kafka.KafkaAcls;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
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
    private static final Duration METADATA_RETRY = Duration.ofMillis(100);

    private KafkaClients() {}

    /** What every command that talks to Kafka tells a user who cannot reach it. */
    public static String unreachable(String bootstrapServers) {
        return "could not reach Kafka at " + bootstrapServers
                + " (is it running? `flinfer kafka` starts a local one on " + DEFAULT_BOOTSTRAP_SERVERS + ")";
    }

    /**
     * A consumer that sees only committed records ({@code read_committed}, as downstream of the exactly-once
     * sinks) and belongs to no group: it is assigned partitions ({@link #assignAll}) and commits nothing, so
     * every reader reads afresh and needs no ACL on a group.
     *
     * @param client more client settings (--kafka-properties)
     * @param fromBeginning start at the earliest record; otherwise at the latest
     */
    public static KafkaConsumer<String, String> committedConsumer(String bootstrapServers, Map<String, String> client,
            boolean fromBeginning) {
        Map<String, Object> config = new HashMap<>(client);
        config.putAll(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest"));
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    /**
     * Assigns {@code consumer} every partition of {@code topics}. Right after a topic is created the broker
     * may list none of its partitions (its metadata has not caught up), and assigning none would read
     * nothing: ask again until it lists them, for at most {@code timeout}.
     *
     * @return the partitions assigned
     * @throws NoPartitions when a topic lists no partitions within {@code timeout}
     */
    public static List<TopicPartition> assignAll(KafkaConsumer<?, ?> consumer, List<String> topics, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> found = consumer.partitionsFor(topic);
            while (found.isEmpty()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new NoPartitions("topic " + topic + " lists no partitions after " + timeout);
                }
                LockSupport.parkNanos(METADATA_RETRY.toNanos()); // each ask is a metadata request to the broker
                found = consumer.partitionsFor(topic);
            }
            found.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        return partitions;
    }

    /** A producer of text records that waits for every replica and fails within seconds when no broker answers. */
    public static KafkaProducer<String, String> producer(String bootstrapServers) {
        return producer(bootstrapServers, Map.of());
    }

    /** With more client settings (--kafka-properties). */
    public static KafkaProducer<String, String> producer(String bootstrapServers, Map<String, String> client) {
        return new KafkaProducer<>(producerConfig(bootstrapServers, client), new StringSerializer(), new StringSerializer());
    }

    /** {@link #producer}'s settings, for producers of other types or with more settings. */
    public static Map<String, Object> producerConfig(String bootstrapServers) {
        return producerConfig(bootstrapServers, Map.of());
    }

    /** With more client settings (--kafka-properties); ours win where both set one. */
    public static Map<String, Object> producerConfig(String bootstrapServers, Map<String, String> client) {
        Map<String, Object> config = new HashMap<>(client);
        config.putAll(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // Fail within seconds, not the default minute, when no broker answers.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000));
        return config;
    }

    /**
     * Waits until a broker answers at {@code bootstrapServers}, saying so while it waits, and returns the
     * id of its cluster. Waits as long as it takes: a service started before its broker should not exit.
     * A broker that answers but refuses the client (credentials, certificate) is no reason to wait: that
     * throws {@link KafkaAccessDenied} at once.
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
                KafkaAccess.of(bootstrapServers, client, new KafkaAcls()).throwIfDenied(e);
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
     * @param acls what the client's principal needs, for the words of a denial ({@link KafkaAccessDenied})
     * @param partitions partitions of each topic, by name
     * @param replicationFactor replicas of each new topic; 0 takes the broker's {@code default.replication.factor}
     */
    public static List<String> createMissingTopics(String bootstrapServers, Map<String, String> client, KafkaAcls acls,
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
            KafkaAccess.of(bootstrapServers, client, acls).throwIfDenied(e);
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

    /** A topic that lists no partitions: missing, or created a moment ago. */
    public static final class NoPartitions extends IllegalStateException {
        NoPartitions(String message) {
            super(message);
        }
    }
}
