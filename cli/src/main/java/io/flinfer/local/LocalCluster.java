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
    private LocalCluster() {}

    /**
     * @param metricsPort port of the Prometheus endpoint; 0 disables it
     */
    public static StreamExecutionEnvironment environment(int parallelism, Duration checkpointInterval, int metricsPort) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(parallelism, 1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        if (metricsPort > 0) {
            conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", String.valueOf(metricsPort));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        Checkpointing.configure(env, checkpointInterval);
        return env;
    }
}
