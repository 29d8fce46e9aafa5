package io.flinfer.jobs;

import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Checkpointing as the exactly-once Kafka sinks need it, the same on a local MiniCluster and on real
 * clusters. Results become visible when a checkpoint completes, so checkpoints must complete on time
 * even when the generate operator is backpressured, which is its normal state under a backlog.
 */
public final class Checkpointing {
    /**
     * TaskManager settings that keep checkpoints and savepoints short under backpressure. Buffer
     * debloating sizes the network buffers in front of generate to about a second of its throughput:
     * a request line is a few hundred bytes, so full 32 KiB buffers would queue hundreds of requests
     * (minutes of generation) ahead of a savepoint's barrier, which is always aligned. A TaskManager
     * option, so clusters set it in their configuration (the FlinkDeployments do).
     */
    public static final Map<String, String> TASK_MANAGER_SETTINGS = Map.of(
            "taskmanager.network.memory.buffer-debloat.enabled", "true");

    private Checkpointing() {}

    public static void configure(StreamExecutionEnvironment env, Duration checkpointInterval) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        // A checkpoint must not wait for generation to finish; in-flight requests are in the state.
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(10));
        // Unaligned from the start: the barrier overtakes the requests queued in front of a busy
        // generate subtask and those requests go into the checkpoint, so a checkpoint takes about as
        // long as one request slot takes to free, not as long as the whole queue takes to generate.
        conf.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        conf.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, Duration.ZERO);
        // Flink refuses unaligned checkpoints on a custom partitioner (the prefix router) unless forced:
        // after a rescale, requests restored from the channel state may reach another subtask than the
        // router chose. That costs a prefix-cache hit, never correctness: generate keeps no keyed state,
        // and any subtask can answer any request.
        conf.set(CheckpointingOptions.FORCE_UNALIGNED, true);
        // The last checkpoint outlives a cancelled or killed job: a restart (or a FlinkDeployment's
        // last-state upgrade) resumes from it.
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        env.configure(conf);
    }
}
