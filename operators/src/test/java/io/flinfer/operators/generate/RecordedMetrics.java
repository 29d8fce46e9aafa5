package io.flinfer.operators.generate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;

/**
 * A task's metric groups on a registry that records every metric registered in them, with the labels
 * a reporter would give it (its group's variables), as a reporter sees them: also the metrics of
 * child groups, which Flink's intercepting test group does not see.
 */
final class RecordedMetrics {
    private final Map<String, Metric> metrics = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> labels = new ConcurrentHashMap<>();
    private final Map<String, String> scopes = new ConcurrentHashMap<>();
    private final TaskMetricGroup task;

    RecordedMetrics() {
        TestingMetricRegistry registry = TestingMetricRegistry.builder()
                .setRegisterConsumer((metric, name, group) -> {
                    metrics.put(name, metric);
                    labels.put(name, group.getAllVariables());
                    scopes.put(name, group.getLogicalScope(text -> text));
                })
                .setUnregisterConsumer((metric, name, group) -> metrics.remove(name, metric))
                .build();
        task = TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "localhost", ResourceID.generate())
                .addJob(new JobID(), "job").addTask(ExecutionAttemptID.randomId(), "task");
    }

    TaskMetricGroup task() {
        return task;
    }

    /** The metric registered as {@code name} and not unregistered since. */
    Metric get(String name) {
        Metric metric = metrics.get(name);
        if (metric == null) {
            throw new AssertionError("no metric " + name + " is registered; there are " + metrics.keySet());
        }
        return metric;
    }

    /** The variables of {@code name}'s group, keys as Flink writes them: {@code <model_name>}. */
    Map<String, String> labels(String name) {
        get(name);
        return labels.get(name);
    }

    /** The logical scope of {@code name}'s group: what reporters prefix its name with ({@code taskmanager.job.task.operator}). */
    String scope(String name) {
        get(name);
        return scopes.get(name);
    }
}
