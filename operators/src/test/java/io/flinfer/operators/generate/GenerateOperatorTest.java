package io.flinfer.operators.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.models.BundledModels;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.ResultLine;
import java.time.Duration;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generate operator in Flink's operator harness, tested the way Flink tests its
 * {@code AsyncWaitOperator}: results arrive through the mailbox, a snapshot taken mid-request holds
 * the request with its tokens so far, and a restored operator resumes it and emits each result once.
 */
@Timeout(120)
class GenerateOperatorTest {
    private static final EngineConfig ENGINE = EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(8 << 20);
    private static final int[] ONCE_UPON_A_TIME = {1, 403, 407, 261, 378};
    private static final ObjectMapper JSON = new ObjectMapper();

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

    @Test
    void aSnapshotTakenMidRequestResumesWithItsTokensAndEachResultIsEmittedOnce() throws Exception {
        PreparedRequest story = request("story", 60);
        String uninterrupted;
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(story, 0);
            h.endInput();
            uninterrupted = text(single(h));
        }

        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            h.open();
            h.processElement(story, 0);
            h.processElement(request("short", 3), 0);
            // The engine's letters run on this thread: until the short request's result, the story gains tokens.
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

            JsonNode resumed = single(h);
            assertThat(resumed.path("custom_id").asText()).isEqualTo("story");
            assertThat(text(resumed)).as("greedy: resuming changes nothing").isEqualTo(uninterrupted);
            assertThat(resumed.path("response").path("body").path("usage").path("completion_tokens").asInt()).isEqualTo(60);
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

    @Test
    void stateOfFlinfer01WithRequestsInFlightIsRefusedNotDropped() throws Exception {
        try (OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h = harness()) {
            assertThatThrownBy(() -> {
                h.initializeState(OperatorSnapshotUtil.getResourceFilename("generate-0.1-in-flight.snapshot"));
                h.open();
            }).hasStackTraceContaining("flink stop --drain");
        }
    }

    private static OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> harness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new GenerateOperatorFactory(ENGINE, 4, Duration.ofMinutes(5)),
                new PreparedRequest.Serializer());
    }

    /** Greedy, and long enough: it ignores the end-of-story token. */
    private static PreparedRequest request(String customId, int maxTokens) {
        SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).seed(1L).build();
        return new PreparedRequest(customId, Endpoint.COMPLETION, "stories260K", ONCE_UPON_A_TIME, params, null, "id:" + customId);
    }

    private static JsonNode single(OneInputStreamOperatorTestHarness<PreparedRequest, ResultLine> h) throws Exception {
        List<ResultLine> out = h.extractOutputValues();
        assertThat(out).hasSize(1);
        return JSON.readTree(out.get(0).json());
    }

    private static String text(JsonNode line) {
        return line.path("response").path("body").path("choices").path(0).path("text").asText();
    }
}
