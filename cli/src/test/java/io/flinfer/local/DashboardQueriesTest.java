package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.local.DashboardQueries.LabelMatcher;
import io.flinfer.local.DashboardQueries.Query;
import io.flinfer.local.DashboardQueries.Selector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dashboard check reads PromQL well enough to see every metric name and label matcher in it. */
class DashboardQueriesTest {
    @Test
    void findsMetricNamesButNotFunctionsLabelsDurationsOrNumbers() {
        Query q = new Query("p", "sum by (tm_id) (rate(flink_a_total{x=\"y\", le=~\"1.*\"}[5m])) / on (job) flink_b / 1e6"
                + " or max without (subtask_index) (flink_c offset 5m)");
        assertThat(q.metricNames()).containsExactly("flink_a_total", "flink_b", "flink_c");
    }

    @Test
    void aMisspelledMetricIsSeenAsAName() {
        assertThat(new Query("p", "sum(rate(flnk_generation_tokens[1m]))").metricNames())
                .containsExactly("flnk_generation_tokens");
    }

    @Test
    void readsTheLabelsItGroupsAndMatchesBy() {
        Query q = new Query("p", "sum by (model_name, subtask_index) (rate(a[5m])) / on (model_name) group_left() sum by (model_name) (b)");
        assertThat(q.groupingLabels()).containsExactly("model_name", "subtask_index", "model_name", "model_name");
        assertThat(q.metricNames()).containsExactly("a", "b");
    }

    @Test
    void readsTheLabelMatchersOfEachSelector() {
        Query q = new Query("p", "max(a{task_name=\"generate\"}) + max(b{task_name=~\"Source:.*\", q!=\"0.5\"})");
        assertThat(q.selectors()).containsExactly(
                new Selector("a", List.of(new LabelMatcher("task_name", "=", "generate"))),
                new Selector("b", List.of(new LabelMatcher("task_name", "=~", "Source:.*"),
                        new LabelMatcher("q", "!=", "0.5"))));
    }
}
