package io.flinfer.local;

import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** MiniClusters for pipeline tests: TaskManagers of their own (each gets its own engine), metrics in memory. */
final class TestClusters {
    private TestClusters() {}

    /**
     * @param reporter receives every metric of the cluster's jobs, kept after their tasks end
     */
    static MiniClusterExtension cluster(int taskManagers, int slotsPerTaskManager, InMemoryReporter reporter) {
        return cluster(taskManagers, slotsPerTaskManager, reporter, new Configuration());
    }

    /** With {@code conf} added to the cluster's configuration. */
    static MiniClusterExtension cluster(int taskManagers, int slotsPerTaskManager, InMemoryReporter reporter,
            Configuration conf) {
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        reporter.addToConfiguration(conf);
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(conf)
                .setNumberTaskManagers(taskManagers)
                .setNumberSlotsPerTaskManager(slotsPerTaskManager)
                .build());
    }
}
