package io.flinfer.jobs;

import java.time.Duration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Checkpointing as the exactly-once Kafka sinks need it, the same on a local MiniCluster and on real clusters. */
public final class Checkpointing {
    private Checkpointing() {}

    public static void configure(StreamExecutionEnvironment env, Duration checkpointInterval) {
        env.enableCheckpointing(checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // A checkpoint must not wait for generation to finish; in-flight requests are in the state.
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(10).toMillis());
    }
}
