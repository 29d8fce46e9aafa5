package io.flinfer.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusQuantilesTest {
    private static final String TTFT = "flink_taskmanager_job_task_operator_time_to_first_token_microseconds";

    /** Lines as Flink's Prometheus reporter writes them (labels shortened), for two generate subtasks and another operator. */
    private static final String SCRAPE = String.join("\n",
            "# HELP " + TTFT + " time_to_first_token_microseconds (scope: taskmanager_job_task_operator)",
            "# TYPE " + TTFT + " summary",
            TTFT + "{job_name=\"flinfer-demo\",operator_name=\"generate\",subtask_index=\"0\",quantile=\"0.5\",} 60000.0",
            TTFT + "{job_name=\"flinfer-demo\",operator_name=\"generate\",subtask_index=\"0\",quantile=\"0.99\",} 110000.0",
            TTFT + "{job_name=\"flinfer-demo\",operator_name=\"generate\",subtask_index=\"1\",quantile=\"0.5\",} 70000.0",
            TTFT + "{job_name=\"flinfer-demo\",operator_name=\"generate\",subtask_index=\"1\",quantile=\"0.99\",} NaN",
            TTFT + "{job_name=\"flinfer-demo\",operator_name=\"other\",subtask_index=\"0\",quantile=\"0.5\",} 999999.0",
            TTFT + "_count{job_name=\"flinfer-demo\",operator_name=\"generate\",subtask_index=\"0\",} 8.0");

    @Test
    void takesTheLargestSubtaskValueOfTheOperatorAndSkipsEmptyWindows() {
        PrometheusQuantiles metrics = PrometheusQuantiles.of(SCRAPE);
        assertThat(metrics.quantile(TTFT, "generate", "0.5")).hasValue(70000.0);
        assertThat(metrics.quantile(TTFT, "generate", "0.99")).hasValue(110000.0);
        assertThat(metrics.quantile(TTFT, "generate", "0.75")).isEmpty();
        assertThat(metrics.quantile(TTFT, "absent", "0.5")).isEmpty();
    }
}
