package io.flinfer.local;

import io.flinfer.jobs.Checkpointing;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A Flink environment on an in-process MiniCluster, set up the way the streaming job wants it:
 * exactly-once checkpoints, restarts after failures, and the Prometheus reporter when asked.
 */
public final class LocalCluster {
    /**
     * How the local cluster runs a job; what a real cluster takes from its own configuration.
     *
     * @param metricsPort port of the Prometheus endpoint; 0 disables it
     */
    public record Settings(int parallelism, Duration checkpointInterval, int metricsPort) {}

    private LocalCluster() {}

    public static StreamExecutionEnvironment environment(Settings s) {
        Configuration conf = baseConfiguration(s.parallelism());
        if (s.metricsPort() > 0) {
            conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", String.valueOf(s.metricsPort()));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(s.parallelism(), conf);
        Checkpointing.configure(env, s.checkpointInterval());
        return env;
    }

    /**
     * An environment for a local batch run: checkpoints kept in {@code checkpoints} when the job stops
     * or dies, and the job started from {@code restoreFrom} (a checkpoint folder) when it is not null.
     */
    public static StreamExecutionEnvironment batchEnvironment(int parallelism, Duration checkpointInterval,
            Path checkpoints, Path restoreFrom) {
        Configuration conf = baseConfiguration(parallelism);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        Checkpointing.configure(env, checkpointInterval);
        return env;
    }

    /** A slot per subtask, and restarts after failures. */
    private static Configuration baseConfiguration(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(parallelism, 1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return conf;
    }
}
