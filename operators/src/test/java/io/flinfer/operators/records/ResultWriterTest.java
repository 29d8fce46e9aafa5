package io.flinfer.operators.records;

import static io.flinfer.operators.records.RequestParserTest.bytes;
import static io.flinfer.operators.records.RequestParserTest.chat;
import static io.flinfer.operators.records.RequestParserTest.completion;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.core.FinishReason;
import org.junit.jupiter.api.Test;

/** Parses every written line back with a plain ObjectMapper and checks it field by field. */
class ResultWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CREATED = 1_735_689_600L;

    @Test
    void chatSuccess() throws Exception {
        InferenceRequest request = request(chat("req-1",
                "{\"model\": \"stories260K\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));
        JsonNode line = JSON.readTree(success(request, new Completion("Hello there!", FinishReason.STOP, 12, 4, 8), CREATED));

        assertThat(line.get("id").asText()).matches("batch_req_[0-9a-f]{24}");
        assertThat(line.get("custom_id").asText()).isEqualTo("req-1");
        assertThat(line.get("error").isNull()).isTrue();
        JsonNode response = line.get("response");
        assertThat(response.get("status_code").asInt()).isEqualTo(200);
        assertThat(response.get("request_id").asText()).matches("req_[0-9a-f]{24}");
        JsonNode body = response.get("body");
        assertThat(body.get("id").asText()).matches("chatcmpl-[0-9a-f]{24}");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isEqualTo(CREATED);
        assertThat(body.get("model").asText()).isEqualTo("stories260K");
        assertThat(body.get("choices")).hasSize(1);
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).isEqualTo("Hello there!");
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertUsage(body.get("usage"), 12, 4, 8);
    }

    @Test
    void textCompletionSuccess() throws Exception {
        InferenceRequest request = request(completion("req-2", "{\"model\": \"stories260K\", \"prompt\": \"Once\"}"));
        JsonNode body = JSON.readTree(success(request, new Completion(" upon a time", FinishReason.LENGTH, 2, 16, 0), CREATED))
                .get("response").get("body");

        assertThat(body.get("id").asText()).matches("cmpl-[0-9a-f]{24}");
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("text").asText()).isEqualTo(" upon a time");
        assertThat(choice.has("message")).isFalse();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        assertUsage(body.get("usage"), 2, 16, 0);
    }

    @Test
    void servedModelNamesTheModelWhenTheRequestDoesNot() throws Exception {
        InferenceRequest request = request(completion("req-3", "{\"prompt\": \"x\"}"));
        JsonNode body = JSON.readTree(success(request, new Completion("y", FinishReason.STOP, 1, 1, 0), CREATED))
                .get("response").get("body");
        assertThat(body.get("model").asText()).isEqualTo("stories260K");
    }

    @Test
    void modelNotFound() throws Exception {
        JsonNode line = JSON.readTree(ResultWriter.error("req-5", RequestError.MODEL_NOT_FOUND, "The model `gpt-4o` does not exist"));

        assertThat(line.get("response").get("status_code").asInt()).isEqualTo(404);
        JsonNode error = line.get("response").get("body").get("error");
        assertThat(error.get("type").asText()).isEqualTo("NotFoundError");
        assertThat(error.get("code").asInt()).isEqualTo(404);
        assertThat(line.get("error").get("code").asText()).isEqualTo("model_not_found");
        assertThat(line.get("error").get("message").asText()).isEqualTo("The model `gpt-4o` does not exist");
    }

    @Test
    void badRequest() throws Exception {
        JsonNode line = JSON.readTree(ResultWriter.badRequest("req-4", "temperature must be >= 0 (0 means greedy), got -1.0"));

        assertThat(line.get("id").asText()).matches("batch_req_[0-9a-f]{24}");
        assertThat(line.get("custom_id").asText()).isEqualTo("req-4");
        JsonNode response = line.get("response");
        assertThat(response.get("status_code").asInt()).isEqualTo(400);
        assertThat(response.get("request_id").asText()).matches("req_[0-9a-f]{24}");
        JsonNode error = response.get("body").get("error");
        assertThat(error.get("message").asText()).isEqualTo("temperature must be >= 0 (0 means greedy), got -1.0");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asInt()).isEqualTo(400);
        assertThat(line.get("error").get("code").asText()).isEqualTo("invalid_request_error");
        assertThat(line.get("error").get("message").asText()).isEqualTo(error.get("message").asText());
    }

    @Test
    void idsAreStablePerCustomIdAndDifferAcrossCustomIds() throws Exception {
        String first = JSON.readTree(ResultWriter.badRequest("a", "m")).get("id").asText();
        String again = JSON.readTree(ResultWriter.badRequest("a", "m")).get("id").asText();
        String other = JSON.readTree(ResultWriter.badRequest("b", "m")).get("id").asText();
        assertThat(first).isEqualTo(again).isNotEqualTo(other);
    }

    @Test
    void textIsEscapedAndLinesStayOneLine() throws Exception {
        String text = "line one\nline \"two\"\t\u00e9\u4e2d\ud83d\ude00";
        InferenceRequest request = request(completion("esc", "{\"prompt\": \"x\"}"));
        String written = success(request, new Completion(text, FinishReason.STOP, 1, 9, 0), CREATED);

        assertThat(written).doesNotContain("\n");
        assertThat(JSON.readTree(written).get("response").get("body").get("choices").get(0).get("text").asText())
                .isEqualTo(text);
    }

    private static void assertUsage(JsonNode usage, int prompt, int completion, int cached) {
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(prompt);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(completion);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(prompt + completion);
        assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asInt()).isEqualTo(cached);
    }

    private static String success(InferenceRequest request, Completion completion, long created) {
        return ResultWriter.success(request.customId(), request.endpoint(), request.model(), completion, created);
    }

    private static InferenceRequest request(String line) {
        return ((ParsedRecord.Valid) new RequestParser(ServedModel.named("stories260K")).parse(bytes(line))).request();
    }
}
