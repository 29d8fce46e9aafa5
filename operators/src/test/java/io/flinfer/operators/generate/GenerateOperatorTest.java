package io.flinfer.operators.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.esotericsoftware.kryo.KryoException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LoraConfig;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.engine.synth.SyntheticLora;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.models.BundledModels;
import io.flinfer.operators.prepare.PrepareFunction;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.ParsedRecord;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.ServedModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generate operator in Flink's operator harness, tested the way Flink tests its
 * {@code AsyncWaitOperator}: results arrive through the mailbox, a snapshot taken mid-request holds
 * the request with its tokens so far, and a restored operator resumes it and emits each result once.
 */
@Timeout(120)
class GenerateOperatorTest {
    private static final EngineConfig ENGINE = EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(8 << 20);
    private static final int[] ONCE_UPON_A_TIME = {1, 403, 407, 261, 378};
    private static final int[] ONCE_UPON = {1, 403, 407};
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the requests below name. */
    private static final ServedModel STORIES = ServedModel.named("stories260K");

    @Test
    void aRequestIsAnsweredThroughTheMailbox() throws Exception {
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(request("one", 8), 0);
            h.endInput();

            JsonNode line = single(h);
            assertThat(line.path("custom_id").asText()).isEqualTo("one");
            assertThat(line.path("response").path("body").path("model").asText()).isEqualTo("stories260K");
            assertThat(line.path("response").path("body").path("usage").path("completion_tokens").asInt()).isEqualTo(8);
        }
    }

    /** As vLLM labels its metrics: every metric of the operator says which model it counts, under the operator's own name. */
    @Test
    void metricsCarryTheModelNameAsALabelNotInTheirNames() throws Exception {
        RecordedMetrics metrics = new RecordedMetrics();
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness(ENGINE, ServedModel.named("tiny-stories"), metrics)) {
            h.open();
            h.processElement(request("one", 5), 0);
            h.endInput();

            assertThat(((Counter) metrics.get("generation_tokens")).getCount()).isEqualTo(5);
            for (String name : List.of("generation_tokens", "num_requests_running", "routed_requests", "structured_output_requests")) {
                assertThat(metrics.labels(name)).as(name).containsEntry("<model_name>", "tiny-stories").containsKey("<operator_name>");
                assertThat(metrics.scope(name)).as("%s keeps the operator's scope: its Prometheus name is unchanged", name)
                        .isEqualTo("taskmanager.job.task.operator");
            }
            assertThat(metrics.labels("request_success")).as("a metric of a key/value group under it")
                    .containsEntry("<model_name>", "tiny-stories").containsKey("<finished_reason>");
        }
    }

    @Test
    void aSnapshotTakenMidRequestResumesWithItsTokensAndEachResultIsEmittedOnce() throws Exception {
        PreparedRequest story = request("story", 60);
        String uninterrupted = aloneToTheEnd(story);
        OperatorSubtaskState snapshot = snapshotWhenAShortRequestFinishes(story);

        RecordedMetrics metrics = new RecordedMetrics();
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness(metrics)) {
            h.initializeState(snapshot);
            h.open();
            h.endInput();

            assertThat(((Counter) metrics.get("resumed_requests")).getCount()).isEqualTo(1);
            assertThat(((Counter) metrics.get("resumed_tokens")).getCount()).as("its tokens before the snapshot were kept")
                    .isPositive();
            JsonNode resumed = single(h);
            assertThat(resumed.path("custom_id").asText()).isEqualTo("story");
            assertThat(text(resumed)).as("greedy: resuming changes nothing").isEqualTo(uninterrupted);
            assertThat(resumed.path("response").path("body").path("usage").path("completion_tokens").asInt()).isEqualTo(60);
        }
    }

    /**
     * A constrained request in flight at a snapshot resumes with its grammar state rebuilt from its
     * tokens: it ends valid, and as it would have ended without the restore (seeded sampling).
     */
    @Test
    void aConstrainedRequestInFlightAtASnapshotEndsValidAfterTheRestore() throws Exception {
        PreparedRequest story = constrained("story");
        String uninterrupted = aloneToTheEnd(story);
        OperatorSubtaskState snapshot = snapshotWhenAShortRequestFinishes(story);

        RecordedMetrics metrics = new RecordedMetrics();
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness(metrics)) {
            h.initializeState(snapshot);
            h.open();
            h.endInput();

            assertThat(((Counter) metrics.get("resumed_tokens")).getCount()).as("restored mid-generation").isPositive();
            JsonNode resumed = single(h);
            assertThat(resumed.path("response").path("body").path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
            JsonNode value = JSON.readTree(text(resumed));
            assertThat(value.path("story").asText().length()).isBetween(40, 60);
            assertThat(value.path("n").asInt()).isBetween(0, 99);
            assertThat(value.size()).isEqualTo(2);
            assertThat(text(resumed)).isEqualTo(uninterrupted);
            assertThat(gauge(metrics, "structured_output_requests")).as("the engine counted constrained requests").isPositive();
            assertThat(gauge(metrics, "structured_output_mask_steps")).isPositive();
            assertThat(gauge(metrics, "structured_output_compiles") + gauge(metrics, "structured_output_cache_hits"))
                    .isEqualTo(gauge(metrics, "structured_output_requests"));
        }
    }

    /**
     * Kafka does not keep a field of a record's value unique: a producer's retry or a re-publish sends
     * a custom_id again while the first is still generating. Each record is answered, once.
     */
    @Test
    void aCustomIdRepeatedWhileInFlightGetsOneResultPerRecord() throws Exception {
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(request("retried", 12), 0);
            h.processElement(request("retried", 12), 0);
            h.processElement(request("reused", ONCE_UPON_A_TIME, 6), 0);
            h.processElement(request("reused", ONCE_UPON, 9), 0);
            h.endInput();

            List<JsonNode> lines = lines(h);
            assertThat(lines).extracting(line -> line.path("custom_id").asText())
                    .containsExactlyInAnyOrder("retried", "retried", "reused", "reused");
            assertThat(lines).extracting(line -> line.path("response").path("status_code").asInt()).containsOnly(200);
            assertThat(lines).filteredOn(line -> line.path("custom_id").asText().equals("reused"))
                    .extracting(GenerateOperatorTest::promptAndCompletionTokens)
                    .as("one line for each record").containsExactlyInAnyOrder("5+6", "3+9");
        }
    }

    /** Two records with one custom_id in flight at a snapshot are two requests after the restore. */
    @Test
    void aRepeatedCustomIdInFlightAtASnapshotResumesAsTwoRequests() throws Exception {
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(request("twice", ONCE_UPON_A_TIME, 40), 0);
            h.processElement(request("twice", ONCE_UPON, 50), 0);
            h.processElement(request("short", 3), 0);
            while (h.extractOutputValues().isEmpty()) {
                h.getTaskMailbox().take(TaskMailbox.MIN_PRIORITY).run();
            }
            snapshot = h.snapshot(1, 1);
            assertThat(h.extractOutputValues()).extracting(ResultLine::customId).containsExactly("short");
        }

        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.initializeState(snapshot);
            h.open();
            h.endInput();

            assertThat(lines(h)).extracting(GenerateOperatorTest::promptAndCompletionTokens)
                    .as("each record of custom_id twice, resumed and answered once").containsExactlyInAnyOrder("5+40", "3+50");
        }
    }

    @Test
    void stateOfFlinfer01RestoresWhenDrained() throws Exception {
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.initializeState(OperatorSnapshotUtil.getResourceFilename("generate-0.1-drained.snapshot"));
            h.open();
            h.processElement(request("after-upgrade", 4), 0);
            h.endInput();
            assertThat(single(h).path("custom_id").asText()).isEqualTo("after-upgrade");
        }
    }

    /**
     * Kryo cannot read 0.1's requests into today's classes, so the restore fails there (were Kryo to
     * read something, {@code requireNoLegacyRequests} refuses it with the drain instructions).
     * Either way the job does not start without them.
     */
    @Test
    void stateOfFlinfer01WithRequestsInFlightIsRefusedNotDropped() throws Exception {
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            Throwable refused = catchThrowable(() -> {
                h.initializeState(OperatorSnapshotUtil.getResourceFilename("generate-0.1-in-flight.snapshot"));
                h.open();
            });
            assertThat(refused).isNotNull();
            assertThat(ExceptionUtils.findThrowable(refused, KryoException.class).isPresent()
                    || ExceptionUtils.findThrowableWithMessage(refused, "flink stop --drain").isPresent())
                    .as("refused because of the old requests: %s", refused).isTrue();
        }
    }

    /**
     * A savepoint restored after an upgrade to a model with another tokenizer: the in-flight request's
     * ids belong to the old vocabulary, so it restarts from its prompt, prepared again with the new
     * tokenizer, and ends as it would on the new model alone; one kept without its prompt (state of the
     * version before) is answered with an error instead; a request admitted after the restore runs.
     */
    @Test
    void aRequestOfAnotherTokenizerRestartsFromItsPrompt(@TempDir Path dir) throws Exception {
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(prompted("story", 60), 0);
            h.processElement(request("ids-only", 60), 0);
            h.processElement(request("short", 3), 0);
            while (h.extractOutputValues().isEmpty()) {
                h.getTaskMailbox().take(TaskMailbox.MIN_PRIORITY).run();
            }
            snapshot = h.snapshot(1, 1);
        }
        Path other = dir.resolve("other-vocabulary");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), other, 7, false, (done, total) -> { });
        EngineConfig upgraded = EngineConfig.defaults(other).withKvCacheMemory(8 << 20);
        PreparedRequest story = prompted("story", 60);
        PreparedRequest onTheNewModel = story.withPromptIds(PrepareFunction.promptIds(Tokenizer.load(other), story.source()));
        String alone;
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness(upgraded, STORIES, new RecordedMetrics())) {
            h.open();
            h.processElement(onTheNewModel, 0);
            h.endInput();
            alone = text(single(h));
        }
        RecordedMetrics metrics = new RecordedMetrics();
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness(upgraded, STORIES, metrics)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(request("after", 4), 0);
            h.endInput();

            assertThat(((Counter) metrics.get("resumed_requests")).getCount()).as("nothing continued its old ids").isZero();
            Map<String, JsonNode> out = new HashMap<>();
            lines(h).forEach(l -> out.put(l.path("custom_id").asText(), l));
            assertThat(out).containsOnlyKeys("story", "ids-only", "after");
            JsonNode restarted = out.get("story").path("response").path("body");
            assertThat(restarted.path("usage").path("completion_tokens").asInt()).as("all its tokens on the new model").isEqualTo(60);
            assertThat(restarted.path("usage").path("prompt_tokens").asInt()).isEqualTo(onTheNewModel.promptIds().length);
            assertThat(text(out.get("story"))).as("as on the new model alone").isEqualTo(alone);
            assertThat(out.get("ids-only").path("response").path("status_code").asInt()).isEqualTo(400);
            assertThat(out.get("ids-only").path("error").path("message").asText()).contains("tokenizer changed");
        }
    }

    /**
     * A savepoint restored after an upgrade that removed a LoRA adapter: the request that named it is
     * answered with a 404 saying so (it must not go on without its adapter, on the base model), and the
     * request for the base model resumes.
     */
    @Test
    void aRequestOfARemovedAdapterIsAnsweredAndTheOthersResume(@TempDir Path dir) throws Exception {
        Path adapter = dir.resolve("story-lora");
        SyntheticLora.write(Path.of(ENGINE.model()), adapter, SyntheticLora.Options.allModules(4, 3));
        EngineConfig withAdapter = ENGINE.withLora(new LoraConfig(Map.of("story-lora", adapter.toString()), 1, 16, 1));
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h =
                harness(withAdapter, STORIES.withAdapters(List.of("story-lora")), new RecordedMetrics())) {
            h.open();
            h.processElement(request("base", 60), 0);
            h.processElement(request("adapted", "story-lora", 60), 0);
            h.processElement(request("short", 3), 0);
            while (h.extractOutputValues().isEmpty()) {
                h.getTaskMailbox().take(TaskMailbox.MIN_PRIORITY).run();
            }
            snapshot = h.snapshot(1, 1);
        }
        RecordedMetrics metrics = new RecordedMetrics();
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness(ENGINE, STORIES, metrics)) {
            h.initializeState(snapshot);
            h.open();
            h.endInput();

            assertThat(((Counter) metrics.get("resumed_requests")).getCount()).isEqualTo(1);
            List<JsonNode> out = lines(h);
            assertThat(out).extracting(l -> l.path("custom_id").asText()).containsExactlyInAnyOrder("base", "adapted");
            JsonNode adapted = out.stream().filter(l -> l.path("custom_id").asText().equals("adapted")).findFirst().orElseThrow();
            assertThat(adapted.path("response").path("status_code").asInt()).isEqualTo(404);
            assertThat(adapted.path("error").path("message").asText()).isEqualTo(GenerateOperator.modelRemoved("story-lora"));
            JsonNode base = out.stream().filter(l -> l.path("custom_id").asText().equals("base")).findFirst().orElseThrow();
            assertThat(base.path("response").path("body").path("usage").path("completion_tokens").asInt()).isEqualTo(60);
        }
    }

    /**
     * A model removed by an upgrade: the operator standing at its generate operator's uid answers the
     * requests in flight in its state with a 404, once the task runs, and its next snapshot no longer
     * holds them (a restore from that snapshot answers nothing again).
     */
    @Test
    void theOperatorOfARemovedModelAnswersItsRestoredRequestsOnce() throws Exception {
        OperatorSubtaskState snapshot = snapshotWhenAShortRequestFinishes(request("story", 60));
        OperatorSubtaskState after;
        try (OneInputStreamOperatorTestHarness<InferenceRequest, ResultLine> h = removedModelHarness()) {
            h.initializeState(snapshot);
            h.open();
            assertThat(h.extractOutputValues()).as("nothing before the task runs its timers").isEmpty();
            h.setProcessingTime(h.getProcessingTime() + 1);

            JsonNode answer = single(h);
            assertThat(answer.path("custom_id").asText()).isEqualTo("story");
            assertThat(answer.path("response").path("status_code").asInt()).isEqualTo(404);
            assertThat(answer.path("error").path("message").asText()).isEqualTo(GenerateOperator.modelRemoved("stories260K"));
            after = h.snapshot(2, 2);
        }
        try (OneInputStreamOperatorTestHarness<InferenceRequest, ResultLine> h = removedModelHarness()) {
            h.initializeState(after);
            h.open();
            h.endInput();
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    private static OneInputStreamOperatorTestHarness<InferenceRequest, ResultLine> removedModelHarness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new RemovedModelOperator("stories260K"));
    }

    private static OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> harness() throws Exception {
        return harness(new RecordedMetrics());
    }

    private static OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> harness(RecordedMetrics metrics)
            throws Exception {
        return harness(ENGINE, STORIES, metrics);
    }

    /** A harness of an operator on {@code engine} serving {@code served}, its metrics registered in {@code metrics}. */
    private static OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> harness(EngineConfig engine,
            ServedModel served, RecordedMetrics metrics) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new GenerateOperatorFactory(engine, served, 4, Duration.ofMinutes(5)),
                new PreparedRequest.Serializer(), new MockEnvironmentBuilder().setMetricGroup(metrics.task()).build());
    }

    /** Greedy, and long enough: it ignores the end-of-story token. */
    private static PreparedRequest request(String customId, int maxTokens) {
        return request(customId, ONCE_UPON_A_TIME, maxTokens);
    }

    private static PreparedRequest request(String customId, int[] promptIds, int maxTokens) {
        return request(customId, "stories260K", promptIds, maxTokens);
    }

    private static PreparedRequest request(String customId, String model, int maxTokens) {
        return request(customId, model, ONCE_UPON_A_TIME, maxTokens);
    }

    private static PreparedRequest request(String customId, String model, int[] promptIds, int maxTokens) {
        SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).seed(1L).build();
        return new PreparedRequest(customId, Endpoint.COMPLETION, model, promptIds, params, null, "id:" + customId, null);
    }

    /** As {@link #request(String, int)}, with the request it was prepared from ("Once upon a time"), as prepare gives it. */
    private static PreparedRequest prompted(String customId, int maxTokens) {
        String line = "{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                + " \"body\": {\"prompt\": \"Once upon a time\"}}";
        InferenceRequest source = ((ParsedRecord.Valid) new RequestParser(STORIES).parse(line.getBytes(StandardCharsets.UTF_8))).request();
        PreparedRequest ids = request(customId, maxTokens);
        return new PreparedRequest(customId, ids.endpoint(), ids.model(), ids.promptIds(), ids.samplingParams(), null,
                ids.prefixKey(), source);
    }

    /** The text of {@code request} run alone in a fresh operator. */
    private static String aloneToTheEnd(PreparedRequest request) throws Exception {
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(request, 0);
            h.endInput();
            return text(single(h));
        }
    }

    /** Runs {@code request} beside a 3-token one and snapshots the operator once that one has its result. */
    private static OperatorSubtaskState snapshotWhenAShortRequestFinishes(PreparedRequest request) throws Exception {
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(request, 0);
            h.processElement(request("short", 3), 0);
            // The engine's letters run on this thread: until the short request's result, the other gains tokens.
            while (h.extractOutputValues().isEmpty()) {
                h.getTaskMailbox().take(TaskMailbox.MIN_PRIORITY).run();
            }
            OperatorSubtaskState snapshot = h.snapshot(1, 1);
            assertThat(h.extractOutputValues()).extracting(ResultLine::customId).containsExactly("short");
            return snapshot;
        }
    }

    /** Sampled (seeded), so the restore must rebuild the mask from the tokens to stay valid. */
    private static PreparedRequest constrained(String customId) {
        String schema = "{\"type\":\"object\",\"properties\":{\"story\":{\"type\":\"string\",\"minLength\":40,"
                + "\"maxLength\":60},\"n\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":99}},\"required\":[\"story\",\"n\"]}";
        SamplingParams params = SamplingParams.builder().temperature(1.0).maxTokens(200).seed(5L)
                .structuredOutput(StructuredOutput.jsonSchema(schema)).build();
        return new PreparedRequest(customId, Endpoint.COMPLETION, "stories260K", ONCE_UPON_A_TIME, params, null, "id:" + customId, null);
    }

    @SuppressWarnings("unchecked")
    private static long gauge(RecordedMetrics metrics, String name) {
        return ((Gauge<Long>) metrics.get(name)).getValue();
    }

    private static JsonNode single(OneInputStreamOperatorTestHarness<?, ResultLine> h) throws Exception {
        List<JsonNode> out = lines(h);
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static List<JsonNode> lines(OneInputStreamOperatorTestHarness<?, ResultLine> h) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (ResultLine line : h.extractOutputValues()) {
            lines.add(JSON.readTree(line.json()));
        }
        return lines;
    }

    /** Tells apart the records of one custom_id: "prompt tokens+completion tokens". */
    private static String promptAndCompletionTokens(JsonNode line) {
        JsonNode usage = line.path("response").path("body").path("usage");
        return usage.path("prompt_tokens").asInt() + "+" + usage.path("completion_tokens").asInt();
    }

    private static String text(JsonNode line) {
        return line.path("response").path("body").path("choices").path(0).path("text").asText();
    }
}
