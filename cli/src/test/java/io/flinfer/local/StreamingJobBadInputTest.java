package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


/**
 * Every kind of bad input ends as a dead letter or an error result (400, or 404 {@code model_not_found}
 * for a model the pipeline does not serve), the job keeps running, the valid requests around the bad
 * ones are answered, and every record in has exactly one record out.
 */
class StreamingJobBadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MODEL_LEN = 128;
    private static final int TEN_MB = 10 * 1024 * 1024;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.cluster(1, 1, InMemoryReporter.create());

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    @Test
    void badRecordsBecomeDeadLettersOrErrorResultsAndValidOnesAroundThemAreAnswered(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        // custom_id -> the error it must get; null for a valid request.
        Map<String, Bad> answered = new LinkedHashMap<>();
        List<byte[]> records = new ArrayList<>();
        List<String> deadLetterReasons = List.of("not JSON", "no custom_id", "more than the limit");
        int valid = 0;
        for (Bad bad : badRecords()) {
            answered.put("valid-" + valid, null);
            records.add(utf8(BatchLines.completion("valid-" + valid++, "Once upon a time", 4, 0)));
            records.add(bad.bytes());
            if (bad.customId() != null) {
                answered.put(bad.customId(), bad);
            }
        }
        answered.put("valid-" + valid, null);
        records.add(utf8(BatchLines.completion("valid-" + valid, "Once upon a time", 4, 0)));
        // The served name defaults to the --model argument and also accepts the folder's name.
        answered.put("by-folder-name", null);
        records.add(utf8(BatchLines.line("by-folder-name", "/v1/completions",
                BatchLines.body().put("prompt", "Hi").put("max_tokens", 4).put("model", "stories260K"))));

        EngineConfig engine = TestModel.engine().withLimits(EngineConfig.DEFAULT_MAX_NUM_SEQS,
                EngineConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS, MAX_MODEL_LEN);
        PipelineKafka.Topics topics = kafka.newTopics(1);
        PipelineOptions options = kafka.options(topics, engine, 8, PipelineOptions.Routing.PREFIX);
        List<String> results;
        List<String> deadLetters;
        try (RunningJob job = RunningJob.start(cluster, 1, Duration.ofSeconds(1), options);
                CommittedReader resultReader = kafka.reader(topics.output());
                CommittedReader deadLetterReader = kafka.reader(topics.deadLetters())) {
            kafka.publishBytes(topics.input(), records);
            resultReader.readUntil(v -> v.size() >= answered.size(), Duration.ofMinutes(1),
                    () -> answered.size() + " results");
            deadLetterReader.readUntil(v -> v.size() >= deadLetterReasons.size(), Duration.ofMinutes(1),
                    () -> deadLetterReasons.size() + " dead letters");
            job.awaitMoreCheckpoints(2);
            results = resultReader.readToEnd(Duration.ofSeconds(30));
            deadLetters = deadLetterReader.readToEnd(Duration.ofSeconds(30));
            assertThat(job.status().isGloballyTerminalState()).as("the job stopped: %s", job.status()).isFalse();
        }

        assertThat(results.size() + deadLetters.size()).as("records in = results + dead letters").isEqualTo(records.size());
        Map<String, OutputLine> byId = results.stream().map(OutputLine::parse)
                .collect(Collectors.toMap(OutputLine::customId, line -> line));
        assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(answered.keySet());
        assertThat(byId.get("by-folder-name").model()).isEqualTo("stories260K");
        assertThat(byId.get("valid-0").model()).as("a request naming no model gets the --model argument")
                .isEqualTo(engine.model());
        answered.forEach((customId, bad) -> {
            OutputLine line = byId.get(customId);
            if (bad == null) {
                assertThat(line.statusCode()).as("%s: %s", customId, line.error()).isEqualTo(200);
                assertThat(line.text()).as(customId).isNotEmpty();
            } else {
                assertThat(line.statusCode()).as(customId).isEqualTo(bad.status());
                assertThat(line.errorCode()).as(customId).isEqualTo(bad.errorCode());
                assertThat(line.error()).as(customId).contains(bad.errorMentions());
            }
        });
        List<JsonNode> letters = new ArrayList<>();
        for (String json : deadLetters) {
            letters.add(JSON.readTree(json));
        }
        assertThat(letters).extracting(l -> l.path("reason").asText())
                .zipSatisfy(deadLetterReasons, (reason, expected) -> assertThat(reason).contains(expected));
        JsonNode huge = letters.get(2);
        assertThat(huge.path("raw_size").asInt()).isGreaterThanOrEqualTo(TEN_MB);
        assertThat(huge.path("raw_truncated").asBoolean()).isTrue();
    }

    /** A record that is not a valid request; {@code customId} null for one that cannot be answered at all. */
    private record Bad(byte[] bytes, String customId, int status, String errorCode, String errorMentions) {
        Bad(byte[] bytes, String customId, String errorMentions) {
            this(bytes, customId, 400, "invalid_request_error", errorMentions);
        }
    }

    private static List<Bad> badRecords() {
        String longPrompt = "Once upon a time there was a little girl. ".repeat(40);
        return List.of(
                new Bad(utf8("{\"custom_id\": \"broken\", \"method\": \"POST\","), null, null),
                new Bad(utf8(BatchLines.line(null, "/v1/completions", BatchLines.body().put("prompt", "Hi"))), null, null),
                new Bad(utf8(BatchLines.line("unknown-url", "/v1/embeddings", BatchLines.body().put("input", "Hi"))),
                        "unknown-url", "url"),
                new Bad(utf8(BatchLines.completion("negative-temperature", "Hi", 4, -1)), "negative-temperature", "temperature"),
                new Bad(utf8(BatchLines.line("zero-top-p", "/v1/completions",
                        BatchLines.body().put("prompt", "Hi").put("top_p", 0))), "zero-top-p", "top_p"),
                new Bad(utf8(BatchLines.completion("zero-max-tokens", "Hi", 0, 0)), "zero-max-tokens", "max_tokens"),
                new Bad(utf8(BatchLines.completion("too-long", longPrompt, 4, 0)), "too-long", "max_model_len"),
                new Bad(utf8(BatchLines.line("other-model", "/v1/completions",
                        BatchLines.body().put("prompt", "Hi").put("model", "gpt-4o"))),
                        "other-model", 404, "model_not_found", "gpt-4o"),
                new Bad(utf8(BatchLines.completion("huge", "a".repeat(TEN_MB), 4, 0)), null, null));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
