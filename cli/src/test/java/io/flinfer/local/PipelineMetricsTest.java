package io.flinfer.local;


import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.local.DashboardQueries.LabelMatcher;
import io.flinfer.local.DashboardQueries.Query;
import io.flinfer.local.DashboardQueries.Selector;
import io.flinfer.models.BundledModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


/**
 * Real traffic through the real streaming job (embedded Kafka, MiniCluster, stories260K), then one
 * scrape of the Prometheus endpoint: every metric of docs/metrics.md is there, and the counters
 * agree with the results the job wrote.
 */
class PipelineMetricsTest {
    static final String OPERATOR = "flink_taskmanager_job_task_operator_";
    /** Every metric docs/metrics.md lists, as the Prometheus reporter names it. */
    static final List<String> DOCUMENTED = List.of(
            "num_requests_running", "num_requests_waiting", "kv_cache_usage_perc", "num_preemptions",
            "in_flight_requests", "device_dtype_linear_path_attention_path_engine_info", "prompt_tokens", "generation_tokens", "prefix_cache_queries", "prefix_cache_hits",
            "finished_reason_request_success", "error_kind_request_errors",
            "time_to_first_token_microseconds", "time_to_first_token_microseconds_count",
            "inter_token_latency_microseconds", "inter_token_latency_microseconds_count",
            "e2e_request_latency_microseconds", "e2e_request_latency_microseconds_count",
            "request_queue_time_microseconds", "request_queue_time_microseconds_count",
            "reason_dead_letters", "bad_requests",
            "structured_output_requests", "structured_output_compiles", "structured_output_cache_hits",
            "structured_output_compile_microseconds", "structured_output_mask_microseconds", "structured_output_mask_steps",
            "structured_output_mask_step_p50_microseconds", "structured_output_mask_step_p99_microseconds",
            "routed_requests", "routing_spills");
    static final Path DASHBOARD = Path.of("..", "flink-deployments", "grafana", "flinfer-dashboard.json");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GENERATED = 17;
    private static LocalPipeline pipeline;
    private static int metricsPort;
    private static List<JsonNode> results;
    private static List<JsonNode> deadLetters;
    /** Taken once every result is out, so the counters are final. */
    static PrometheusScrape scrape;

    @BeforeAll
    static void runTraffic() throws Exception {
        EngineConfig engine = EngineConfig.defaults(BundledModels.stories260K())
                .withKvCacheMemory(16L << 20)
                .withLimits(64, 512, 128);
        metricsPort = Ports.free();
        pipeline = LocalPipeline.start(PipelineOptions.builder(null, engine).maxInFlight(64).requestTimeout(Duration.ofMinutes(5)).build(),
                new LocalCluster.Settings(2, Duration.ofMillis(500), metricsPort));
        pipeline.publish(requests());
        try (var output = pipeline.reader(PipelineOptions.OUTPUT_TOPIC); var dlq = pipeline.reader(PipelineOptions.DEAD_LETTER_TOPIC)) {
            results = parse(output.read(GENERATED + 2, Duration.ofMinutes(3)));
            deadLetters = parse(dlq.read(1, Duration.ofMinutes(1)));
        }
        scrape = settledScrape();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pipeline != null) {
            pipeline.close();
        }
    }


    /** 17 requests to generate (a few sharing a prefix), one too long, one invalid, one not a request. */
    private static List<String> requests() {
        String[] openings = {"Once upon a time, there was a little girl named Lily. She loved to play outside",
                "One day, a big dog came to the park and wanted to play with the ball",
                "Tom had a red car. He liked to drive it around the house every morning"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < GENERATED; i++) {
            lines.add(completion("ok-" + i, openings[i % openings.length] + (i < 3 ? "" : " and " + i), 8));
        }
        lines.add(completion("too-long", "the cat sat on the mat. ".repeat(60), 8));
        lines.add("{\"custom_id\": \"invalid\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                + " \"body\": {\"prompt\": \"hello\", \"n\": 3}}");
        lines.add("this is not { json");
        return lines;
    }

    private static String completion(String customId, String prompt, int maxTokens) {
        var line = JSON.createObjectNode().put("custom_id", customId).put("method", "POST").put("url", "/v1/completions");
        line.putObject("body").put("prompt", prompt).put("max_tokens", maxTokens);
        return line.toString();
    }

    private static List<JsonNode> parse(List<String> lines) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : lines) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    /** Scrapes until no request is in flight any more (the gauges trail the last result by a moment). */
    private static PrometheusScrape settledScrape() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            PrometheusScrape s = PrometheusScrape.of(metricsPort);
            boolean settled = !s.named(OPERATOR + "generation_tokens").isEmpty()
                    && s.sum(OPERATOR + "in_flight_requests", Map.of()) == 0
                    && s.sum(OPERATOR + "num_requests_running", Map.of()) == 0;
            if (settled || System.nanoTime() > deadline) {
                return s;
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void everyDocumentedMetricIsExported() {
        for (String name : DOCUMENTED) {
            assertThat(scrape.names()).as("metrics on the endpoint").contains(OPERATOR + name);
        }
        assertThat(scrape.names()).as("Flink's own task metrics the dashboard uses")
                .contains("flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                        "flink_taskmanager_job_task_isBackPressured", "flink_taskmanager_job_task_busyTimeMsPerSecond");
        assertThat(scrape.named(OPERATOR + "generation_tokens"))
                .as("one series per generate subtask").hasSize(2)
                .allSatisfy(s -> assertThat(s.labels()).containsEntry("operator_name", "generate")
                        .containsKeys("subtask_index", "job_name", "task_name", "tm_id"));
    }

    @Test
    void tokenCountersAddUpToTheUsageInTheResults() {
        List<JsonNode> successes = results.stream().filter(r -> r.path("error").isNull()).toList();
        assertThat(successes).hasSize(GENERATED);
        assertThat(scrape.sum(OPERATOR + "generation_tokens", Map.of()))
                .isEqualTo(sumOf(successes, "completion_tokens")).isPositive();
        assertThat(scrape.sum(OPERATOR + "prompt_tokens", Map.of())).isEqualTo(sumOf(successes, "prompt_tokens"));
        assertThat(scrape.sum(OPERATOR + "prefix_cache_queries", Map.of())).isEqualTo(sumOf(successes, "prompt_tokens"));
        double cached = successes.stream()
                .mapToDouble(r -> usage(r).path("prompt_tokens_details").path("cached_tokens").asDouble()).sum();
        assertThat(scrape.sum(OPERATOR + "prefix_cache_hits", Map.of()))
                .as("requests share openings, so some prompt tokens come from the cache").isEqualTo(cached).isPositive();
    }

    @Test
    void requestsAreCountedByOutcome() {
        for (String reason : List.of("stop", "length")) {
            long finished = results.stream().filter(r -> finishReason(r).equals(reason)).count();
            assertThat(scrape.sum(OPERATOR + "finished_reason_request_success", Map.of("finished_reason", reason)))
                    .as("request_success{finished_reason=%s}", reason).isEqualTo(finished);
        }
        assertThat(scrape.sum(OPERATOR + "error_kind_request_errors", Map.of("error_kind", "rejected")))
                .as("the prompt longer than max_model_len").isEqualTo(1);
        for (String kind : List.of("timeout", "engine_failure")) {
            assertThat(scrape.named(OPERATOR + "error_kind_request_errors"))
                    .as("request_errors{error_kind=%s} is there before the first such error", kind)
                    .anyMatch(s -> kind.equals(s.labels().get("error_kind")));
            assertThat(scrape.sum(OPERATOR + "error_kind_request_errors", Map.of("error_kind", kind))).isZero();
        }
        assertThat(scrape.sum(OPERATOR + "bad_requests", Map.of())).as("n=3 is refused while parsing").isEqualTo(1);
        assertThat(deadLetters).singleElement().satisfies(d -> assertThat(d.path("reason").asText()).isNotEmpty());
        assertThat(scrape.sum(OPERATOR + "reason_dead_letters", Map.of("reason", "not_json"))).isEqualTo(1);
        assertThat(scrape.sum(OPERATOR + "reason_dead_letters", Map.of())).isEqualTo(1);
        assertThat(scrape.named(OPERATOR + "reason_dead_letters")).as("every reason has its series from the start")
                .extracting(s -> s.labels().get("reason")).contains("too_large", "no_custom_id", "not_json");
    }

    @Test
    void routingCountsEveryRequestThatReachesGenerateByItsSubtask() {
        assertThat(scrape.sum(OPERATOR + "routed_requests", Map.of()))
                .as("the generated requests and the one too long for the engine").isEqualTo(GENERATED + 1);
        assertThat(scrape.named(OPERATOR + "routed_requests"))
                .allSatisfy(s -> assertThat(s.labels()).containsEntry("operator_name", "generate"))
                .extracting(s -> s.labels().get("subtask_index")).containsExactlyInAnyOrder("0", "1");
        assertThat(scrape.sum(OPERATOR + "routing_spills", Map.of())).isBetween(0.0, GENERATED + 1.0);
    }

    @Test
    void latencyHistogramsCountEveryGeneratedRequest() {
        for (String histogram : List.of("time_to_first_token", "inter_token_latency", "e2e_request_latency",
                "request_queue_time")) {
            String name = OPERATOR + histogram + "_microseconds";
            assertThat(scrape.sum(name + "_count", Map.of())).as(name + "_count").isEqualTo(GENERATED);
            assertThat(scrape.named(name)).as(name + " quantiles")
                    .anyMatch(s -> "0.99".equals(s.labels().get("quantile")));
        }
        assertThat(scrape.named(OPERATOR + "e2e_request_latency_microseconds"))
                .filteredOn(s -> "0.5".equals(s.labels().get("quantile")))
                .as("a request takes at least a millisecond").anyMatch(positiveAbove(1000));
        assertThat(scrape.sum(OPERATOR + "in_flight_requests", Map.of())).as("nothing left in flight").isZero();
    }

    /**
     * The dashboard fails here when a panel reads a metric, a label value, or groups by a label that
     * the job does not export.
     */
    @Test
    void everyDashboardQueryReadsOnlySeriesTheJobExports() throws Exception {
        DashboardQueries dashboard = DashboardQueries.load(DASHBOARD);
        assertThat(dashboard.queries()).isNotEmpty();
        for (Query query : dashboard.queries()) {
            String where = query.panel() + ": " + query.expr();
            assertThat(query.metricNames()).as(where).isNotEmpty();
            assertThat(query.metricNames()).as("%s reads metrics the job does not export", where)
                    .filteredOn(name -> !scrape.names().contains(name)).isEmpty();
            for (String label : query.groupingLabels()) {
                for (String name : query.metricNames()) {
                    assertThat(scrape.named(name)).as("%s: some series of %s has the label %s it groups by", where, name, label)
                            .anyMatch(s -> s.labels().containsKey(label));
                }
            }
            for (Selector selector : query.selectors()) {
                for (LabelMatcher matcher : selector.matchers()) {
                    assertThat(scrape.named(selector.metric()))
                            .as("%s: some series of %s has %s%s\"%s\"", where, selector.metric(), matcher.label(), matcher.op(), matcher.value())
                            .anyMatch(s -> matches(matcher, s.labels().get(matcher.label())));
                }
            }
        }
    }

    private static boolean matches(LabelMatcher matcher, String value) {
        return switch (matcher.op()) {
            case "=" -> matcher.value().equals(value);
            case "=~" -> value != null && value.matches(matcher.value());
            default -> true; // a negative matcher selects something whenever the metric exists
        };
    }

    private static Predicate<PrometheusScrape.Sample> positiveAbove(double value) {
        return s -> s.value() > value;
    }

    private static JsonNode usage(JsonNode result) {
        return result.path("response").path("body").path("usage");
    }

    private static double sumOf(List<JsonNode> results, String field) {
        return results.stream().mapToDouble(r -> usage(r).path(field).asDouble()).sum();
    }

    private static String finishReason(JsonNode result) {
        return result.path("response").path("body").path("choices").path(0).path("finish_reason").asText();
    }
}
