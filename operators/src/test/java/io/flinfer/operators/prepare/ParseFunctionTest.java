package io.flinfer.operators.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.RawRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.ServedModel;
import io.flinfer.operators.records.SideOutputs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The parse step in Flink's operator harness: requests go on, error results and dead letters go to their side outputs. */
class ParseFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OneInputStreamOperatorTestHarness<RawRecord, InferenceRequest> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(
                new ParseFunction(new RequestParser(ServedModel.ofModelArgument("models/stories260K"))));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void aValidRequestGoesOnParsed() throws Exception {
        process(0, "{\"custom_id\": \"ok\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                + " \"body\": {\"prompt\": \"Once upon a time\", \"max_tokens\": 5}}");

        List<InferenceRequest> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).prompt()).isEqualTo("Once upon a time");
        assertThat(out.get(0).samplingParams().maxTokens).isEqualTo(5);
        assertThat(out.get(0).model()).isEqualTo("models/stories260K");
        assertThat(harness.getSideOutput(SideOutputs.ERROR_RESULTS)).isNull();
    }

    @Test
    void invalidRequestsAndOtherModelsGetErrorResults() throws Exception {
        process(0, "{\"custom_id\": \"hot\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                + " \"body\": {\"prompt\": \"x\", \"temperature\": -1}}");
        process(1, "{\"custom_id\": \"gpt\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                + " \"body\": {\"prompt\": \"x\", \"model\": \"gpt-4o\"}}");

        assertThat(harness.extractOutputValues()).isEmpty();
        List<JsonNode> errors = harness.getSideOutput(SideOutputs.ERROR_RESULTS).stream()
                .map(StreamRecord::getValue).map(ResultLine::json).map(ParseFunctionTest::read).toList();
        assertThat(errors).extracting(e -> e.path("custom_id").asText()).containsExactly("hot", "gpt");
        assertThat(errors).extracting(e -> e.path("response").path("status_code").asInt()).containsExactly(400, 404);
        assertThat(errors).extracting(e -> e.path("error").path("code").asText())
                .containsExactly("invalid_request_error", "model_not_found");
    }

    @Test
    void bytesThatAreNotARequestBecomeDeadLettersWithTheirSource() throws Exception {
        process(17, "not json at all");

        assertThat(harness.extractOutputValues()).isEmpty();
        List<JsonNode> letters = harness.getSideOutput(SideOutputs.DEAD_LETTERS).stream()
                .map(StreamRecord::getValue).map(ParseFunctionTest::read).toList();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).path("source_topic").asText()).isEqualTo("requests");
        assertThat(letters.get(0).path("offset").asLong()).isEqualTo(17);
        assertThat(letters.get(0).path("reason").asText()).startsWith("not JSON");
    }

    private void process(long offset, String line) throws Exception {
        harness.processElement(new RawRecord("requests", 0, offset, line.getBytes(StandardCharsets.UTF_8)), offset);
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
