package io.flinfer.local;

import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;
import org.apache.flink.runtime.testutils.InMemoryReporter;

/** Reads the generate operator's metrics of one job from the in-memory reporter, over all its subtasks and attempts. */
final class OperatorMetrics {
    private static final String GENERATE = "generate";
    /** The variable of the group that holds the generate operator's own metrics. */
    private static final String MODEL_NAME = ScopeFormat.asVariable("model_name");
    /** A metric of that group itself, not of its key/value subgroups (finished_reason, error_kind...), which carry the variable too. */
    private static final String OWN_METRIC = "in_flight_requests";

    private final InMemoryReporter reporter;
    private final JobID job;

    OperatorMetrics(InMemoryReporter reporter, JobID job) {
        this.reporter = reporter;
        this.job = job;
    }

    /**
     * Each generate subtask's metrics by its group: the group labelled with its model (Flink's operator
     * group itself holds only Flink's metrics of the operator).
     */
    Map<MetricGroup, Map<String, Metric>> generateGroups() {
        return reporter.getMetricsByGroup().entrySet().stream()
                .filter(e -> isGenerate(e.getKey().getAllVariables()) && e.getValue().containsKey(OWN_METRIC))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private boolean isGenerate(Map<String, String> variables) {
        return job.toString().equals(variables.get(ScopeFormat.SCOPE_JOB_ID)) && variables.containsKey(MODEL_NAME)
                && variables.getOrDefault(ScopeFormat.SCOPE_OPERATOR_NAME, "").startsWith(GENERATE);
    }

    /** The sum of a counter over every generate subtask that ever ran. */
    long generateCounter(String name) {
        return generateGroups().values().stream()
                .mapToLong(metrics -> ((Counter) require(metrics.get(name), name)).getCount())
                .sum();
    }

    /** The current value of an integer gauge in each running generate subtask. */
    int[] generateGauge(String name) {
        return generateGroups().values().stream()
                .mapToInt(metrics -> ((Number) ((Gauge<?>) require(metrics.get(name), name)).getValue()).intValue())
                .toArray();
    }

    private static Metric require(Metric metric, String name) {
        if (metric == null) {
            throw new AssertionError("the generate operator has no metric " + name);
        }
        return metric;
    }
}
