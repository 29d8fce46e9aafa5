package io.flinfer.local;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import io.flinfer.jobs.kafka.KafkaAcls;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.kafka.EmbeddedKafka;
import io.flinfer.kafka.KafkaClients;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The streaming job started in this process, the one way every local tool starts it ({@code flinfer run},
 * {@code flinfer demo}, the pipeline benchmark, tests): an embedded Kafka broker when the options name
 * none, the job's topics created when missing, and the job on a local MiniCluster with its checkpoints
 * in a state directory ({@link ResumableJob}).
 */
public final class LocalPipeline implements AutoCloseable {
    /**
     * How to run the pipeline here.
     *
     * @param stateDir where checkpoints outlive the process; null keeps them in a temporary folder (always
     *        so with an embedded broker, whose data is as temporary)
     * @param fresh forget the state in {@code stateDir} and start over
     * @param topicPartitions partitions of a missing input topic; 0: one per subtask
     * @param replicationFactor replicas of missing topics; 0: the broker's default
     */
    public record Settings(LocalCluster.Settings cluster, Path stateDir, boolean fresh, int topicPartitions, int replicationFactor) {
        /** State in a temporary folder, topics as the broker makes them: for the demo, benchmarks and tests. */
        public static Settings temporary(LocalCluster.Settings cluster) {
            return new Settings(cluster, null, false, 0, 0);
        }
    }

    /** Null when the options named a broker. */
    private final EmbeddedKafka kafka;
    private final PipelineOptions options;
    private final StateDirectory state;
    private final LocalCluster cluster;
    private final ResumableJob job;

    private LocalPipeline(EmbeddedKafka kafka, PipelineOptions options, StateDirectory state, LocalCluster cluster, ResumableJob job) {
        this.kafka = kafka;
        this.options = options;
        this.state = state;
        this.cluster = cluster;
        this.job = job;
    }

    /** With temporary state, saying nothing. */
    public static LocalPipeline start(PipelineOptions options, LocalCluster.Settings cluster) throws Exception {
        return start(options, Settings.temporary(cluster), new PrintWriter(Writer.nullWriter()));
    }

    /**
     * Starts a broker when {@code options} name none (else waits until theirs answers), creates the
     * missing topics, and submits the job, resumed from the latest checkpoint of its state directory;
     * returns once it is submitted, not once it runs.
     *
     * @param log where to say what it waits for, what it resumed and why the job restarts
     * @throws StateDirectory.IncompatibleStateException when the state directory belongs to another job
     */
    public static LocalPipeline start(PipelineOptions options, Settings settings, PrintWriter log) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            EmbeddedKafka kafka = options.bootstrapServers() == null ? EmbeddedKafka.start() : null;
            if (kafka != null) {
                started.add(kafka);
            }
            PipelineOptions o = kafka == null ? options : options.withBootstrapServers(kafka.bootstrapServers());
            String kafkaCluster = KafkaClients.awaitBroker(o.bootstrapServers(), o.kafkaClient(), log);
            createTopics(o, settings, log);
            StateDirectory state = kafka != null || settings.stateDir() == null
                    ? StateDirectory.temporary()
                    : StateDirectory.open(settings.stateDir(), identity(o, kafkaCluster), settings.fresh());
            started.add(0, state);
            LocalCluster cluster = LocalCluster.start(settings.cluster(), state);
            started.add(0, cluster);
            StreamExecutionEnvironment env = cluster.environment();
            StreamingJob.build(env, o);
            ResumableJob job = ResumableJob.start(cluster, env, StreamingJob.NAME, state, log);
            return new LocalPipeline(kafka, o, state, cluster, job);
        } catch (Exception | Error e) {
            for (AutoCloseable c : started) {
                c.close();
            }
            throw e;
        }
    }

    /** What the state belongs to: positions in one topic of one Kafka cluster, transactions of one group. */
    private static Map<String, String> identity(PipelineOptions o, String kafkaCluster) {
        return Map.of("kafka.cluster.id", kafkaCluster, "input.topic", o.inputTopic(), "group.id", o.groupId());
    }

    private static void createTopics(PipelineOptions o, Settings s, PrintWriter log) {
        Map<String, Integer> partitions = new LinkedHashMap<>();
        partitions.put(o.inputTopic(), s.topicPartitions() > 0 ? s.topicPartitions() : s.cluster().parallelism());
        partitions.putIfAbsent(o.outputTopic(), 1);
        partitions.putIfAbsent(o.deadLetterTopic(), 1);
        KafkaAcls acls = StreamingJob.acls(o);
        partitions.keySet().forEach(acls::create);
        List<String> created = KafkaClients.createMissingTopics(o.bootstrapServers(), o.kafkaClient(), acls, partitions,
                s.replicationFactor());
        if (!created.isEmpty()) {
            log.println("Created the missing topics " + String.join(", ", created) + " at " + o.bootstrapServers());
            log.flush();
        }
    }

    /** The options the job runs with, the embedded broker's address included. */
    public PipelineOptions options() {
        return options;
    }

    public boolean startedBroker() {
        return kafka != null;
    }

    public StateDirectory state() {
        return state;
    }

    public LocalCluster cluster() {
        return cluster;
    }

    public JobID jobId() {
        return job.id();
    }

    public ResumableJob job() {
        return job;
    }

    /** Writes records to the input topic, keyed by nothing, and waits until the broker has them all. */
    public void publish(List<String> lines) throws InterruptedException, ExecutionException {
        try (KafkaProducer<String, String> producer = KafkaClients.producer(options.bootstrapServers(), options.kafkaClient())) {
            List<Future<?>> sent = new ArrayList<>();
            for (String line : lines) {
                sent.add(producer.send(new ProducerRecord<>(options.inputTopic(), line)));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
    }

    /** A reader of a topic's committed records from its beginning. */
    public CommittedReader reader(String topic) {
        return new CommittedReader(options.bootstrapServers(), options.kafkaClient(), topic);
    }

    /** Cancels the job if it still runs, shuts the local cluster down, then the broker (nothing talks to it any more). */
    @Override
    public void close() throws Exception {
        try (state; cluster; job) {
            // Closed in reverse order: the job, the cluster, the state directory.
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }
}
