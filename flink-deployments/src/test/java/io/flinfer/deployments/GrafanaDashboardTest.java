package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's shape: it imports into Grafana with a Prometheus data source and has a panel for
 * each thing an operator watches. That its queries name only exported metrics is checked against a
 * live scrape in jobs' PipelineMetricsTest.
 */
class GrafanaDashboardTest {
    private static JsonNode dashboard;

    @BeforeAll
    static void load() throws Exception {
        dashboard = new ObjectMapper().readTree(Path.of("grafana", "flinfer-dashboard.json").toFile());
    }

    @Test
    void importsWithAPrometheusDataSourceChosenAtImport() {
        assertThat(dashboard.path("__inputs").findValuesAsText("pluginId")).containsExactly("prometheus");
        assertThat(dashboard.path("uid").asText()).isEqualTo("flinfer");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("unique panel id %s", panel.path("id")).isTrue();
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty()
                    .allSatisfy(t -> assertThat(t.path("expr").asText()).contains("flink_"));
        }
    }

    @Test
    void hasAPanelForEachThingToWatch() {
        assertThat(exprs("Output tokens/s")).anyMatch(e -> e.contains("rate(flink_taskmanager_job_task_operator_generation_tokens"));
        assertThat(exprs("Requests running / waiting")).anyMatch(e -> e.contains("num_requests_running"))
                .anyMatch(e -> e.contains("num_requests_waiting"));
        assertThat(exprs("KV-cache usage")).anyMatch(e -> e.contains("kv_cache_usage_perc"));
        assertThat(exprs("Prefix-cache hit rate")).anyMatch(e -> e.contains("prefix_cache_hits") && e.contains("prefix_cache_queries"));
        for (String latency : List.of("Time to first token", "Inter-token latency")) {
            assertThat(exprs(latency)).anyMatch(e -> e.contains("quantile=\"0.5\""))
                    .anyMatch(e -> e.contains("quantile=\"0.99\""));
        }
        assertThat(exprs("Preemptions/s")).anyMatch(e -> e.contains("num_preemptions"));
        assertThat(exprs("Errors and dead letters/s")).anyMatch(e -> e.contains("request_errors"))
                .anyMatch(e -> e.contains("dead_letters"));
        assertThat(exprs("Backpressure of generate"))
                .anyMatch(e -> e.contains("backPressuredTimeMsPerSecond{task_name=~\"generate.*\"}"));
        assertThat(exprs("Generate task backpressured"))
                .anyMatch(e -> e.contains("isBackPressured{task_name=~\"generate.*\"}"));
        assertThat(exprs("Routing share per generate subtask"))
                .anyMatch(e -> e.contains("by (model_name, subtask_index)") && e.contains("routed_requests") && e.contains(" / "));
        assertThat(exprs("Routed requests/s and routing spills/s"))
                .anyMatch(e -> e.contains("by (model_name, subtask_index)") && e.contains("routed_requests"))
                .anyMatch(e -> e.contains("routing_spills"));
    }

    /** A job serving several models has a generate operator per model: each engine panel shows each model apart. */
    @Test
    void everyPanelOfTheGenerateOperatorsShowsEachModelApart() {
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                String legend = target.path("legendFormat").asText();
                if (expr.contains("flink_taskmanager_job_task_operator_") && !expr.contains("bad_requests")
                        && !expr.contains("dead_letters")) {
                    assertThat(expr).as(panel.path("title").asText()).containsPattern("by \\([^)]*model_name");
                    assertThat(legend).as(panel.path("title").asText()).contains("{{model_name}}");
                } else if (expr.contains("task_name=")) {
                    assertThat(expr).as("%s: every model's generate task", panel.path("title").asText())
                            .doesNotContain("task_name=\"generate\"");
                }
            }
        }
    }

    private static List<String> exprs(String panelTitlePrefix) {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("title").asText().startsWith(panelTitlePrefix)) {
                panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
            }
        }
        assertThat(exprs).as("targets of the panel '%s'", panelTitlePrefix).isNotEmpty();
        return exprs;
    }
}
