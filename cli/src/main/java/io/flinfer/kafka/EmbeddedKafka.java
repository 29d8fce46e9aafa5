package io.flinfer.kafka;

import io.flinfer.jobs.kafka.KafkaAcls;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in this JVM.
 *
 * <p>Configured for one node: every internal topic (consumer offsets, transaction state) has
 * replication factor 1 and min ISR 1, so transactional producers (Flink's {@code KafkaSink} with
 * {@code EXACTLY_ONCE}) and {@code read_committed} consumers work. The log directory is a fresh
 * temporary directory, formatted in-process the way {@code kafka-storage.sh format} does it, and
 * deleted on {@link #close()}.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Largest record batch the broker accepts; producers must raise max.request.size to send one this big. */
    public static final int MAX_MESSAGE_BYTES = 32 << 20;

    private final Path logDir;
    private final KafkaConfig config;
    private final String bootstrapServers;
    /** Client settings of the broker's own topic management ({@link #createTopic}). */
    private final Map<String, String> adminClient;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDir, KafkaConfig config, String bootstrapServers, Map<String, String> adminClient) {
        this.logDir = logDir;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.adminClient = Map.copyOf(adminClient);
    }

    /** Starts a broker on a free port. */
    public static EmbeddedKafka start() {
        return start(0);
    }

    /** Starts a broker whose clients connect to {@code localhost:port}; port 0 picks a free one. */
    public static EmbeddedKafka start(int port) {
        return start(port, "PLAINTEXT", Map.of(), Map.of());
    }

    /**
     * Starts a broker on a free port whose listener speaks {@code protocol} (SASL_PLAINTEXT, SSL, ...),
     * with {@code settings} over the defaults (authentication, an authorizer, super users): a secured
     * cluster as companies run one, for tests. Brokers talk to each other on the same listener.
     *
     * @param adminClient client settings of a super user, with which {@link #createTopic} works
     */
    public static EmbeddedKafka start(String protocol, Map<String, String> settings, Map<String, String> adminClient) {
        return start(0, protocol, settings, adminClient);
    }

    private static EmbeddedKafka start(int port, String protocol, Map<String, String> settings, Map<String, String> adminClient) {
        Path logDir = createTempDir();
        try {
            int brokerPort = port == 0 ? freePort() : requireFree(port);
            int controllerPort = freePort();
            Properties properties = brokerProperties(logDir, protocol, brokerPort, controllerPort);
            properties.putAll(settings);
            KafkaConfig config = KafkaConfig.fromProps(properties);
            formatStorage(config, logDir);
            EmbeddedKafka kafka = new EmbeddedKafka(logDir, config, "localhost:" + brokerPort, adminClient);
            try {
                kafka.startServer();
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            return kafka;
        } catch (RuntimeException e) {
            deleteRecursively(logDir);
            throw new IllegalStateException("could not start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    /** The {@code host:port} list clients use ({@code bootstrap.servers}). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates a topic (replication factor 1, the broker's default) unless it exists, and waits until the broker has it. */
    public void createTopic(String name, int partitions) {
        KafkaClients.createMissingTopics(bootstrapServers, adminClient, new KafkaAcls(), Map.of(name, partitions), 1);
    }

    /** The temporary directory that holds the broker's logs and metadata; gone after close. */
    public Path logDirectory() {
        return logDir;
    }

    /**
     * Stops the broker, keeps it down for {@code outage}, and starts it again on the same ports with the
     * same data, as a broker restart does to the clients connected to it.
     */
    public void restart(Duration outage) throws InterruptedException {
        stopServer();
        Thread.sleep(outage.toMillis());
        startServer();
    }

    @Override
    public void close() {
        try {
            stopServer();
        } finally {
            deleteRecursively(logDir);
        }
    }

    /** Returns once the controller has unfenced the broker: topics can be created. */
    private void startServer() {
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
    }

    private void stopServer() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    private static Properties brokerProperties(Path logDir, String protocol, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(NODE_ID)),
                Map.entry("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort),
                Map.entry("controller.listener.names", CONTROLLER_LISTENER),
                Map.entry("listeners", protocol + "://localhost:" + brokerPort
                        + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort),
                Map.entry("advertised.listeners", protocol + "://localhost:" + brokerPort),
                Map.entry("listener.security.protocol.map", protocol + ":" + protocol + "," + CONTROLLER_LISTENER + ":PLAINTEXT"),
                Map.entry("inter.broker.listener.name", protocol),
                Map.entry("log.dirs", logDir.toString()),
                Map.entry("num.partitions", "1"),
                // One node: internal topics cannot have more than one replica.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                // Fewer internal partitions make the first consumer group and transaction fast.
                Map.entry("offsets.topic.num.partitions", "1"),
                Map.entry("transaction.state.log.num.partitions", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // Flink's KafkaSink keeps a transaction open between checkpoints; allow long ones.
                Map.entry("transaction.max.timeout.ms", String.valueOf(Duration.ofHours(1).toMillis())),
                // The default (about 1 MB) refuses larger records at the broker; accept them,
                // so that the pipeline, not the broker, decides what is too large (it dead-letters them).
                Map.entry("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES)),
                Map.entry("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES))));
        return p;
    }

    /** What {@code kafka-storage.sh format} does: writes meta.properties and the bootstrap metadata. */
    private static void formatStorage(KafkaConfig config, Path logDir) {
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(config.nodeId())
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(logDir.toString())
                .addDirectory(logDir.toString());
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("could not format the log directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }

    /** Kafka treats a failed bind as fatal and halts the JVM; find out before it tries. */
    private static int requireFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " is in use (" + e.getMessage()
                    + "); stop what uses it or pick another port (0 picks a free one)", e);
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("flinfer-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temporary Kafka log directory", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the Kafka log directory " + dir, e);
        }
    }
}
