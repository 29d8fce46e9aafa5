package io.flinfer.local;

import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;

/** Reads the generate operator's metrics of one job from the in-memory reporter, over all its subtasks and attempts. */
final class OperatorMetrics {
    private static final String GENERATE = "generate";

    private final InMemoryReporter reporter;
    private final JobID job;

    OperatorMetrics(InMemoryReporter reporter, JobID job) {
        this.reporter = reporter;
        this.job = job;
    }

    /** The sum of a counter over every generate subtask that ever ran. */
    long generateCounter(String name) {
        return reporter.findOperatorMetricGroups(job, GENERATE).stream()
                .map(group -> reporter.getMetricsByGroup(group).get(name))
                .mapToLong(metric -> ((Counter) require(metric, name)).getCount())
                .sum();
    }

    /** The current value of an integer gauge in each running generate subtask. */
    int[] generateGauge(String name) {
        return reporter.findOperatorMetricGroups(job, GENERATE).stream()
                .map(group -> reporter.getMetricsByGroup(group).get(name))
                .mapToInt(metric -> ((Number) ((Gauge<?>) require(metric, name)).getValue()).intValue())
                .toArray();
    }

    private static Metric require(Metric metric, String name) {
        if (metric == null) {
            throw new AssertionError("the generate operator has no metric " + name);
        }
        return metric;
    }
}
