package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


/**
 * A backlog far larger than the generate operator's --max-in-flight: the operator never holds more than
 * that many in flight (the rest waits in Kafka, backpressured), and the heap does not grow with
 * the backlog. Stops after part of the backlog; the job is cancelled.
 */
class StreamingJobBackpressureTest {
    private static final int BACKLOG = 5000;
    private static final int MAX_IN_FLIGHT = 4;
    private static final int RESULTS_TO_SEE = 600;
    /** Several steps per request, so that the sampled gauge sees the operator full, not between two one-step requests. */
    private static final int TOKENS_EACH = 4;
    /** Generous: the whole backlog is about a megabyte of JSON; an unbounded queue of it would still be far less. */
    private static final long MAX_HEAP_GROWTH_BYTES = 128L << 20;
    private static final InMemoryReporter METRICS = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.cluster(1, 1, METRICS);

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    @Test
    void aLargeBacklogNeverPutsMoreThanTheCapacityInFlight(@InjectMiniCluster MiniCluster cluster) throws Exception {
        PipelineKafka.Topics topics = kafka.newTopics(1);
        kafka.publish(topics.input(), IntStream.range(0, BACKLOG)
                .mapToObj(i -> BatchLines.completion("b-" + i, "Once upon a time", TOKENS_EACH, 0)).toList());
        PipelineOptions options = kafka.options(topics, TestModel.engine(), MAX_IN_FLIGHT, PipelineOptions.Routing.PREFIX);

        int maxInFlight = 0;
        long heapBefore;
        long heapAfter;
        try (RunningJob job = RunningJob.start(cluster, 1, Duration.ofSeconds(1), options);
                CommittedReader reader = kafka.reader(topics.output())) {
            OperatorMetrics metrics = new OperatorMetrics(METRICS, job.id());
            reader.readUntil(v -> !v.isEmpty(), Duration.ofMinutes(1), () -> "the first results");
            heapBefore = usedHeapAfterGc();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (reader.values().size() < RESULTS_TO_SEE) {
                assertThat(System.nanoTime() - deadline).as("time left to see %d results", RESULTS_TO_SEE).isNegative();
                reader.poll();
                for (int inFlight : metrics.generateGauge("in_flight_requests")) {
                    maxInFlight = Math.max(maxInFlight, inFlight);
                }
            }
            heapAfter = usedHeapAfterGc();
        }

        assertThat(maxInFlight).as("most requests in flight, sampled").isLessThanOrEqualTo(MAX_IN_FLIGHT);
        assertThat(maxInFlight).as("the backlog pressed against --max-in-flight").isEqualTo(MAX_IN_FLIGHT);
        assertThat(heapAfter - heapBefore).as("heap growth in bytes while the backlog was served")
                .isLessThan(MAX_HEAP_GROWTH_BYTES);
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
