package io.flinfer.local;

import io.flinfer.jobs.Checkpointing;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;

/** The real streaming job ({@link StreamingJob#build}) running on a test MiniCluster; closing cancels it. */
final class RunningJob implements AutoCloseable {
    private static final Duration CANCEL_TIMEOUT = Duration.ofMinutes(1);

    private final MiniCluster cluster;
    private final JobClient client;

    private RunningJob(MiniCluster cluster, JobClient client) {
        this.cluster = cluster;
        this.client = client;
    }

    static RunningJob start(MiniCluster cluster, int parallelism, Duration checkpointInterval, PipelineOptions options)
            throws Exception {
        StreamExecutionEnvironment env = new TestStreamEnvironment(cluster, parallelism);
        Checkpointing.configure(env, checkpointInterval);
        StreamingJob.build(env, options);
        return new RunningJob(cluster, env.executeAsync("flinfer-test-" + options.inputTopic()));
    }

    JobID id() {
        return client.getJobID();
    }

    JobStatus status() throws Exception {
        return client.getJobStatus().get(1, TimeUnit.MINUTES);
    }

    /** Checkpoints completed since the job started, over all its attempts. */
    long completedCheckpoints() throws Exception {
        return cluster.getExecutionGraph(id()).get(1, TimeUnit.MINUTES)
                .getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    }

    /** Waits until {@code n} more checkpoints complete: whatever the job emitted before is then committed. */
    void awaitMoreCheckpoints(int n) throws Exception {
        long target = completedCheckpoints() + n;
        Await.until(n + " more completed checkpoints", Duration.ofMinutes(1), () -> completedCheckpoints() >= target);
    }

    @Override
    public void close() throws Exception {
        if (!status().isGloballyTerminalState()) {
            client.cancel().get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        // Completes, with the cancellation as its failure, once the job has stopped on every TaskManager.
        client.getJobExecutionResult().handle((result, failure) -> null)
                .get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
