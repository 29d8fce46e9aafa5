package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.junit.jupiter.api.Test;

/**
 * 5,000 requests wait in Kafka and the generate operator is backpressured all along: checkpoints (and
 * so results, which become visible at checkpoints) still complete every few seconds, on the cluster
 * settings every local run uses. With aligned checkpoints and Flink's default buffers, a barrier waits
 * behind the requests queued in front of generate, and the gap grows with the queue (measured on this
 * machine: see docs/operations.md).
 */
class CheckpointsUnderBacklogTest {
    private static final int BACKLOG = 5_000;
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    /** Generous: 1 s interval plus a checkpoint that takes as long as one request slot takes to free. */
    private static final Duration MAX_GAP = Duration.ofSeconds(6);
    private static final Duration OBSERVED = Duration.ofSeconds(20);
    /**
     * Tokens per request: enough that the backlog outlasts the observed window (at 64 the engine's
     * decode groups, since they read their values in place, drained all 5,000 within it here).
     */
    private static final int MAX_TOKENS = 128;

    @Test
    void checkpointsCompleteEveryFewSecondsWhileABacklogOf5000Drains() throws Exception {
        List<String> prompts = Prompts.stories(200);
        PipelineOptions options = PipelineOptions.builder(null, TestModel.engine()).build();
        try (LocalPipeline pipeline = LocalPipeline.start(options, new LocalCluster.Settings(1, CHECKPOINT_INTERVAL, 0));
                CommittedReader results = pipeline.reader(options.outputTopic())) {
            pipeline.publish(IntStream.range(0, BACKLOG)
                    .mapToObj(i -> BatchLines.line("r" + i, "/v1/completions", BatchLines.body().put("prompt", prompts.get(i % 200))
                            .put("max_tokens", MAX_TOKENS).put("temperature", 0).put("ignore_eos", true)))
                    .toList());
            // From the first committed result on, the engine is loaded and the job is draining the backlog.
            results.readUntil(v -> !v.isEmpty(), Duration.ofMinutes(2), () -> "the first result");
            long start = System.nanoTime();
            long lastCompleted = start;
            long longestGap = 0;
            long completed = completedCheckpoints(pipeline);
            while (System.nanoTime() - start < OBSERVED.toNanos()) {
                results.poll();
                long now = completedCheckpoints(pipeline);
                if (now > completed) {
                    completed = now;
                    lastCompleted = System.nanoTime();
                }
                longestGap = Math.max(longestGap, System.nanoTime() - lastCompleted);
            }
            CheckpointStatsSnapshot stats = pipeline.cluster().checkpointStats(pipeline.jobId());
            List<Long> durations = new ArrayList<>();
            for (AbstractCheckpointStats c : stats.getHistory().getCheckpoints()) {
                if (c.getStatus() == CheckpointStatsStatus.COMPLETED) {
                    durations.add(c.getEndToEndDuration());
                }
            }
            System.out.printf("backlog %d: %d results committed in %d s; longest gap between completed checkpoints %d ms;"
                    + " checkpoint durations (ms, newest first) %s%n", BACKLOG, results.values().size(), OBSERVED.toSeconds(),
                    Duration.ofNanos(longestGap).toMillis(), durations);

            assertThat(results.values()).as("the backlog is still draining: generate was backpressured all along")
                    .hasSizeLessThan(BACKLOG);
            assertThat(Duration.ofNanos(longestGap)).as("longest time without a completed checkpoint").isLessThan(MAX_GAP);
        }
    }

    private static long completedCheckpoints(LocalPipeline pipeline) throws Exception {
        return pipeline.cluster().checkpointStats(pipeline.jobId()).getCounts().getNumberOfCompletedCheckpoints();
    }
}
