package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.NettyShuffleEnvironmentOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


/**
 * A TaskManager dies in the middle of the stream: after the restart from the last checkpoint every
 * request still has exactly one committed result, with the text of a run without failure (sampled
 * at temperature 1 with seeds derived from the custom_id), and requests that were in flight at the
 * checkpoint resume from their saved tokens. All requests share their instructions, so they share a
 * prefix key: prefix routing spreads it over both engines, and after the restore sends it back to
 * engines that cache it, so the prefix-cache hit rate recovers.
 */
class StreamingJobExactlyOnceTest {
    private static final int REQUESTS = 200;
    /**
     * Every request generates this many tokens (EOS ignored): a long, even stream to fail in the middle of.
     * With 40, a full verify once saw the stream end before any checkpoint caught requests in flight.
     */
    private static final int MAX_TOKENS = 80;
    private static final int MAX_IN_FLIGHT = 4;
    private static final int PARALLELISM = 2;
    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();
    /** Longer than the 4 blocks of a prefix key: every request has the same key, and prefix routing spreads it. */
    private static final String INSTRUCTIONS = "You tell short stories to little children. Every story is about a"
            + " child, a dog and a cat who live in a small house near the big park. They play in the park with their"
            + " friends every day, and every story ends with everyone going home happy. Begin the story like this:";

    /**
     * One slot per TaskManager: killing one takes down a generate subtask, each has its own engine.
     * Few, small network buffers: a checkpoint barrier queues behind the requests buffered in front
     * of the (backpressured) generate operator, and with Flink's defaults all 200 fit there, so the
     * only checkpoint would come at the end of the stream.
     */
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.cluster(PARALLELISM, 1, METRICS, smallNetworkBuffers());

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    @Test
    void aKilledTaskManagerLosesNothingDuplicatesNothingAndResumesInFlightRequests(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        Run withoutFailure = run(cluster, requests("without-failure"), false);
        Run failed = run(cluster, requests("with-failure"), true);

        assertThat(texts(failed.results())).containsExactlyInAnyOrderEntriesOf(texts(withoutFailure.results()));
        assertThat(failed.resumedRequests()).as("requests restored in flight from the checkpoint").isPositive();
        assertThat(failed.resumedTokens()).as("tokens they kept instead of generating again").isPositive();
        assertThat(hitRate(failed.results())).as("prefix-cache hit rate after the failure, %.3f without",
                hitRate(withoutFailure.results())).isGreaterThanOrEqualTo(0.9 * hitRate(withoutFailure.results()));
    }

    /**
     * A story opening after the shared instructions, at temperature 1 with derived seeds. The cache
     * salt only keeps a run from hitting the blocks an earlier run left in the engines.
     */
    private static List<String> requests(String cacheSalt) {
        List<String> prompts = Prompts.stories(REQUESTS);
        return IntStream.range(0, REQUESTS)
                .mapToObj(i -> BatchLines.line("story-" + i, "/v1/completions", BatchLines.body()
                        .put("prompt", INSTRUCTIONS + " " + prompts.get(i)).put("max_tokens", MAX_TOKENS)
                        .put("temperature", 1.0).put("ignore_eos", true).put("cache_salt", cacheSalt)))
                .toList();
    }

    /** Cached prompt tokens over prompt tokens. */
    private static double hitRate(List<String> results) {
        long prompt = 0;
        long cached = 0;
        for (String json : results) {
            OutputLine line = OutputLine.parse(json);
            prompt += line.promptTokens();
            cached += line.cachedTokens();
        }
        return (double) cached / prompt;
    }

    private record Run(List<String> results, long resumedRequests, long resumedTokens) {}

    private static Run run(MiniCluster cluster, List<String> requests, boolean killATaskManager) throws Exception {
        PipelineKafka.Topics topics = kafka.newTopics(PARALLELISM);
        PipelineOptions options = kafka.options(topics, TestModel.engine(), MAX_IN_FLIGHT, PipelineOptions.Routing.PREFIX);
        try (RunningJob job = RunningJob.start(cluster, PARALLELISM, Duration.ofSeconds(1), options);
                CommittedReader reader = kafka.reader(topics.output())) {
            kafka.publish(topics.input(), requests);
            OperatorMetrics metrics = new OperatorMetrics(METRICS, job.id());
            if (killATaskManager) {
                // Mid-stream, right after a checkpoint that caught requests in flight with part of their tokens.
                long[] checkpoints = {job.completedCheckpoints()};
                Await.until("a checkpoint while requests are in flight", Duration.ofMinutes(1), () -> {
                    reader.poll();
                    long completed = job.completedCheckpoints();
                    boolean fresh = completed > checkpoints[0];
                    checkpoints[0] = completed;
                    return fresh && reader.values().size() >= REQUESTS / 10
                            && IntStream.of(metrics.generateGauge("in_flight_requests")).sum() > 0;
                });
                assertThat(reader.values()).as("results committed before the failure").hasSizeLessThan(REQUESTS);
                cluster.terminateTaskManager(0).get();
                cluster.startTaskManager();
            }
            reader.readUntil(v -> v.stream().map(OutputLine::parse).map(OutputLine::customId).distinct().count() >= REQUESTS,
                    Duration.ofMinutes(2), () -> "a result for each of " + REQUESTS + " requests");
            // A duplicate emitted by now would be committed by the next checkpoints.
            job.awaitMoreCheckpoints(2);
            List<String> results = reader.readToEnd(Duration.ofSeconds(30));
            return new Run(results, metrics.generateCounter("resumed_requests"), metrics.generateCounter("resumed_tokens"));
        }
    }

    private static Configuration smallNetworkBuffers() {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, MemorySize.parse("4kb"));
        conf.set(NettyShuffleEnvironmentOptions.NETWORK_BUFFERS_PER_CHANNEL, 1);
        conf.set(NettyShuffleEnvironmentOptions.NETWORK_EXTRA_BUFFERS_PER_GATE, 1);
        conf.set(NettyShuffleEnvironmentOptions.NETWORK_MAX_BUFFERS_PER_CHANNEL, 2);
        return conf;
    }

    /** custom_id -> text; fails on a duplicate or an error result. */
    private static Map<String, String> texts(List<String> results) {
        Map<String, String> texts = new HashMap<>();
        for (String json : results) {
            OutputLine line = OutputLine.parse(json);
            assertThat(line.statusCode()).as("%s: %s", line.customId(), line.error()).isEqualTo(200);
            assertThat(texts.put(line.customId(), line.text())).as("a second result for %s", line.customId()).isNull();
        }
        assertThat(texts).hasSize(REQUESTS);
        return texts;
    }
}
