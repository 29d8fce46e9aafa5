package io.flinfer.local;

import io.flinfer.jobs.Checkpointing;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
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
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(s.parallelism(), 1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        if (s.metricsPort() > 0) {
            conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", String.valueOf(s.metricsPort()));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(s.parallelism(), conf);
        Checkpointing.configure(env, s.checkpointInterval());
        return env;
    }
}
