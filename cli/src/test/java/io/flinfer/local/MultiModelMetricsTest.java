package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.jobs.ModelRoute;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.operators.records.ServedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two models in one streaming job (embedded Kafka, MiniCluster, the Prometheus endpoint): each model's
 * generate operator reports its own series, labelled {@code model_name} as vLLM labels them, under the
 * metric names a one-model job has, and each model's counters add up to its own results.
 */
class MultiModelMetricsTest {
    private static final String OPERATOR = PipelineMetricsTest.OPERATOR;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STORIES = 5;
    private static final int TINY = 3;

    @TempDir Path dir;

    @Test
    void eachModelReportsItsOwnSeries() throws Exception {
        Path tiny = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), tiny, 11, false, (done, total) -> { });
        EngineConfig tinyEngine = EngineConfig.defaults(tiny).withKvCacheMemory(8L << 20);
        PipelineOptions options = PipelineOptions.builder(null, TestModel.engine())
                .servedModel(ServedModel.named("stories"))
                .moreModels(List.of(new ModelRoute(tinyEngine, ServedModel.named("tiny"), 1)))
                .build();
        int metricsPort = Ports.free();
        List<JsonNode> results = new ArrayList<>();
        PrometheusScrape scrape;
        try (LocalPipeline pipeline = LocalPipeline.start(options, new LocalCluster.Settings(1, Duration.ofMillis(500),
                metricsPort, options.generation().slots(1)))) {
            pipeline.publish(requests());
            try (var output = pipeline.reader(PipelineOptions.OUTPUT_TOPIC)) {
                for (String line : output.read(STORIES + TINY, Duration.ofMinutes(3))) {
                    results.add(JSON.readTree(line));
                }
            }
            // A request's counters are counted before its result is emitted: they are final now.
            scrape = PrometheusScrape.of(metricsPort);
        }

        assertThat(scrape.named(OPERATOR + "generation_tokens")).as("one series per model, under the one-model name (Prometheus writes - as _ in label values)")
                .extracting(s -> s.labels().get("model_name") + " " + s.labels().get("operator_name"))
                .containsExactlyInAnyOrder("stories generate", "tiny generate_tiny");
        for (String model : List.of("stories", "tiny")) {
            List<JsonNode> own = results.stream().filter(r -> model.equals(body(r).path("model").asText())).toList();
            assertThat(own).as("results of %s", model).hasSize(model.equals("stories") ? STORIES : TINY);
            Map<String, String> label = Map.of("model_name", model);
            assertThat(scrape.sum(OPERATOR + "generation_tokens", label)).as("generation_tokens{model_name=%s}", model)
                    .isEqualTo(own.stream().mapToDouble(r -> body(r).path("usage").path("completion_tokens").asDouble()).sum())
                    .isPositive();
            assertThat(scrape.sum(OPERATOR + "prompt_tokens", label))
                    .isEqualTo(own.stream().mapToDouble(r -> body(r).path("usage").path("prompt_tokens").asDouble()).sum());
            assertThat(scrape.sum(OPERATOR + "finished_reason_request_success", label)).isEqualTo(own.size());
            assertThat(scrape.sum(OPERATOR + "e2e_request_latency_microseconds_count", label)).isEqualTo(own.size());
            assertThat(scrape.sum(OPERATOR + "routed_requests", label)).isEqualTo(own.size());
            assertThat(scrape.named(OPERATOR + "kv_cache_usage_perc")).as("each model's engine has its gauges")
                    .anyMatch(s -> model.equals(s.labels().get("model_name")));
        }
    }

    /** The first model's requests name it or no model; the second's name it. */
    private static List<String> requests() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < STORIES; i++) {
            lines.add(completion("stories-" + i, i % 2 == 0 ? null : "stories", "Once upon a time, Lily saw " + i + " birds"));
        }
        for (int i = 0; i < TINY; i++) {
            lines.add(completion("tiny-" + i, "tiny", "hello " + i));
        }
        return lines;
    }

    private static String completion(String customId, String model, String prompt) {
        var line = JSON.createObjectNode().put("custom_id", customId).put("method", "POST").put("url", "/v1/completions");
        var body = line.putObject("body").put("prompt", prompt).put("max_tokens", 6);
        if (model != null) {
            body.put("model", model);
        }
        return line.toString();
    }

    private static JsonNode body(JsonNode result) {
        return result.path("response").path("body");
    }
}
