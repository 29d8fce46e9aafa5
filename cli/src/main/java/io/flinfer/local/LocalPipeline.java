package io.flinfer.local;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.kafka.EmbeddedKafka;
import io.flinfer.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The streaming job started in this process, the one way every local tool starts it ({@code flinfer run},
 * {@code flinfer demo}, the pipeline benchmark, tests): an embedded Kafka broker when the options name
 * none, the job's topics created when missing, and the job on a local MiniCluster.
 */
public final class LocalPipeline implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    /** Null when the options named a broker. */
    private final EmbeddedKafka kafka;
    private final PipelineOptions options;
    private final JobClient job;

    private LocalPipeline(EmbeddedKafka kafka, PipelineOptions options, JobClient job) {
        this.kafka = kafka;
        this.options = options;
        this.job = job;
    }

    /**
     * Starts a broker when {@code options} name none, creates the missing topics (the input topic with
     * a partition per subtask) and submits the job; returns once it is submitted, not once it runs.
     */
    public static LocalPipeline start(PipelineOptions options, LocalCluster.Settings cluster) throws Exception {
        EmbeddedKafka kafka = options.bootstrapServers() == null ? EmbeddedKafka.start() : null;
        try {
            PipelineOptions o = kafka == null ? options : options.withBootstrapServers(kafka.bootstrapServers());
            KafkaClients.createMissingTopics(o.bootstrapServers(),
                    Map.of(o.inputTopic(), cluster.parallelism(), o.outputTopic(), 1, o.deadLetterTopic(), 1));
            StreamExecutionEnvironment env = LocalCluster.environment(cluster);
            StreamingJob.build(env, o);
            return new LocalPipeline(kafka, o, env.executeAsync(StreamingJob.NAME));
        } catch (Exception | Error e) {
            if (kafka != null) {
                kafka.close();
            }
            throw e;
        }
    }

    /** The options the job runs with, the embedded broker's address included. */
    public PipelineOptions options() {
        return options;
    }

    public boolean startedBroker() {
        return kafka != null;
    }

    public JobClient job() {
        return job;
    }

    /** Writes records to the input topic, keyed by nothing, and waits until the broker has them all. */
    public void publish(List<String> lines) throws InterruptedException, ExecutionException {
        try (KafkaProducer<String, String> producer = KafkaClients.producer(options.bootstrapServers())) {
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
        return new CommittedReader(options.bootstrapServers(), topic);
    }

    /** Blocks while the job runs; throws its failure. */
    public void awaitEnd() throws InterruptedException, ExecutionException {
        job.getJobExecutionResult().get();
    }

    /** Cancels the job, waits until the local cluster is gone (so nothing still talks to Kafka), then stops the broker. */
    @Override
    public void close() throws Exception {
        try {
            // A job that ended meanwhile refuses the cancel; what counts is that it ends.
            job.cancel().handle((ok, ended) -> null).get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // Completes, with the cancellation as its failure, once the job has stopped.
            job.getJobExecutionResult().handle((result, failure) -> null).get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the Flink job did not stop within " + STOP_TIMEOUT.toSeconds() + " s", e);
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }
}
