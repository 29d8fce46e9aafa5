package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.models.BundledModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Constrained requests over Kafka through the real streaming job: JSON Schema (OpenAI's
 * response_format), choice and regex (vLLM's fields): every output valid; bad
 * constraints answered with a 400 line; the structured-output metrics on the Prometheus endpoint
 * agree with what was sent.
 */
class StructuredOutputsPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPERATOR = PipelineMetricsTest.OPERATOR;
    private static final String SCHEMA = """
            {"type": "object",
             "properties": {"name": {"type": "string", "maxLength": 10}, "age": {"type": "integer", "minimum": 1, "maximum": 9},
                            "pets": {"type": "array", "items": {"enum": ["cat", "dog"]}, "maxItems": 2}},
             "required": ["name", "age", "pets"]}""";
    private static final List<String> CHOICES = List.of("happy", "sad", "angry");
    private static final String REGEX = "[a-z]{3,6}-\\d{2}";
    private static final int PER_KIND = 4;

    @Test
    void everyConstrainedOutputIsValidAndTheMetricsCountThem() throws Exception {
        EngineConfig engine = EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(16L << 20).withLimits(64, 512, 256);
        int metricsPort = Ports.free();
        Map<String, JsonNode> results;
        PrometheusScrape scrape;
        try (LocalPipeline pipeline = LocalPipeline.start(PipelineOptions.builder(null, engine).maxInFlight(64)
                .requestTimeout(Duration.ofMinutes(5)).build(), new LocalCluster.Settings(2, Duration.ofMillis(500), metricsPort))) {
            pipeline.publish(requests());
            try (var output = pipeline.reader(PipelineOptions.OUTPUT_TOPIC)) {
                results = output.read(3 * PER_KIND + 2, Duration.ofMinutes(3)).stream().map(StructuredOutputsPipelineTest::parse)
                        .collect(Collectors.toMap(r -> r.path("custom_id").asText(), Function.identity()));
            }
            scrape = settledScrape(metricsPort);
        }

        Schema validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(JSON.readTree(SCHEMA));
        for (int i = 0; i < PER_KIND; i++) {
            JsonNode json = choice(results.get("json-" + i));
            assertThat(json.path("finish_reason").asText()).isEqualTo("stop");
            JsonNode value = JSON.readTree(json.path("text").asText());
            assertThat(validator.validate(value)).as(value.toString()).isEmpty();
            assertThat(choice(results.get("choice-" + i)).path("text").asText()).isIn(CHOICES);
            assertThat(choice(results.get("regex-" + i)).path("text").asText()).matches(REGEX);
        }
        assertThat(results.get("bad-schema").path("response").path("status_code").asInt()).isEqualTo(400);
        assertThat(results.get("bad-schema").path("response").toString()).contains("patternProperties");
        assertThat(results.get("two-constraints").path("response").path("status_code").asInt()).isEqualTo(400);
        assertThat(results.get("two-constraints").path("response").toString()).contains("one output constraint");

        // Engine-wide gauges: every subtask sharing the engine reports the same value, hence max.
        assertThat(max(scrape, "structured_output_requests")).isEqualTo(3 * PER_KIND);
        assertThat(max(scrape, "structured_output_compiles")).as("three distinct constraints").isEqualTo(3);
        assertThat(max(scrape, "structured_output_cache_hits")).isEqualTo(3 * PER_KIND - 3);
        assertThat(max(scrape, "structured_output_mask_steps")).isPositive();
        assertThat(max(scrape, "structured_output_mask_microseconds")).isPositive();
        assertThat(max(scrape, "structured_output_compile_microseconds")).isPositive();
        assertThat(max(scrape, "structured_output_mask_step_p99_microseconds"))
                .isGreaterThanOrEqualTo(max(scrape, "structured_output_mask_step_p50_microseconds"));
    }

    private static List<String> requests() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < PER_KIND; i++) {
            ObjectNode json = JSON.createObjectNode().put("prompt", "Tim was a kid, number " + i).put("temperature", 1.0)
                    .put("max_tokens", 96);
            json.putObject("response_format").put("type", "json_schema")
                    .putObject("json_schema").put("name", "kid").set("schema", JSON.readTree(SCHEMA));
            lines.add(line("json-" + i, "/v1/completions", json));
            ObjectNode choice = JSON.createObjectNode().put("prompt", "Lily felt very " + i).put("max_tokens", 8);
            choice.putObject("structured_outputs").set("choice", JSON.valueToTree(CHOICES));
            lines.add(line("choice-" + i, "/v1/completions", choice));
            lines.add(line("regex-" + i, "/v1/completions",
                    JSON.createObjectNode().put("prompt", "The code was " + i).put("max_tokens", 16).put("guided_regex", REGEX)));
        }
        ObjectNode bad = JSON.createObjectNode().put("prompt", "x");
        bad.putObject("structured_outputs").set("json", JSON.readTree("{\"patternProperties\":{}}"));
        lines.add(line("bad-schema", "/v1/completions", bad));
        ObjectNode two = JSON.createObjectNode().put("prompt", "x").put("guided_regex", "a");
        two.putObject("response_format").put("type", "json_object");
        lines.add(line("two-constraints", "/v1/completions", two));
        return lines;
    }

    private static String line(String customId, String url, ObjectNode body) {
        ObjectNode line = JSON.createObjectNode().put("custom_id", customId).put("method", "POST").put("url", url);
        line.set("body", body);
        return line.toString();
    }

    private static JsonNode choice(JsonNode result) {
        assertThat(result.path("response").path("status_code").asInt()).as(result.toString()).isEqualTo(200);
        return result.path("response").path("body").path("choices").path(0);
    }

    private static double max(PrometheusScrape scrape, String name) {
        return scrape.named(OPERATOR + name).stream().mapToDouble(PrometheusScrape.Sample::value).max().orElseThrow();
    }

    /** Scrapes until the gauges have caught up with the last result. */
    private static PrometheusScrape settledScrape(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            PrometheusScrape s = PrometheusScrape.of(port);
            if (s.sum(OPERATOR + "in_flight_requests", Map.of()) == 0 && !s.named(OPERATOR + "structured_output_requests").isEmpty()
                    || System.nanoTime() > deadline) {
                return s;
            }
            Thread.onSpinWait();
        }
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
