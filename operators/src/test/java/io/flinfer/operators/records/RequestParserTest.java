package io.flinfer.operators.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.tokenizer.ChatMessage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestParserTest {
    private final RequestParser parser = new RequestParser(ServedModel.ofModelArgument("models/m"));

    // ---- valid requests ----

    @Test
    void chatRequestWithDefaults() {
        InferenceRequest request = valid(chat("a", "{\"model\": \"m\", \"messages\": "
                + "[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]}"));

        assertThat(request.customId()).isEqualTo("a");
        assertThat(request.endpoint()).isEqualTo(Endpoint.CHAT);
        assertThat(request.model()).isEqualTo("m");
        assertThat(request.messages()).containsExactly(
                new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"));
        assertThat(request.cacheSalt()).isEmpty();
        SamplingParams params = request.samplingParams();
        assertThat(params.temperature).isEqualTo(1.0);
        assertThat(params.maxTokens).isEqualTo(256);
        assertThat(params.logprobs).isNull();
        assertThatThrownBy(request::prompt).isInstanceOf(IllegalStateException.class).hasMessageContaining("/v1/chat/completions");
    }

    @Test
    void completionRequestWithDefaults() {
        InferenceRequest request = valid(completion("b", "{\"model\": \"m\", \"prompt\": \"Once upon a time\"}"));

        assertThat(request.endpoint()).isEqualTo(Endpoint.COMPLETION);
        assertThat(request.prompt()).isEqualTo("Once upon a time");
        assertThat(request.samplingParams().maxTokens).isEqualTo(16);
        assertThatThrownBy(request::messages).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void everySamplingFieldIsMapped() {
        SamplingParams p = valid(completion("c", "{\"prompt\": \"x\", \"temperature\": 0.7, \"top_p\": 0.9,"
                + " \"top_k\": 40, \"min_p\": 0.05, \"seed\": 12345678901, \"max_tokens\": 100, \"min_tokens\": 5,"
                + " \"stop\": [\"\\n\\n\", \"END\"], \"stop_token_ids\": [2, 7], \"ignore_eos\": true,"
                + " \"presence_penalty\": 0.5, \"frequency_penalty\": -0.5, \"repetition_penalty\": 1.2,"
                + " \"logprobs\": 3, \"n\": 1, \"stream\": false, \"cache_salt\": \"tenant-1\"}"))
                .samplingParams();

        assertThat(p.temperature).isEqualTo(0.7);
        assertThat(p.topP).isEqualTo(0.9);
        assertThat(p.topK).isEqualTo(40);
        assertThat(p.minP).isEqualTo(0.05);
        assertThat(p.seed).isEqualTo(12345678901L);
        assertThat(p.maxTokens).isEqualTo(100);
        assertThat(p.minTokens).isEqualTo(5);
        assertThat(p.stop).containsExactly("\n\n", "END");
        assertThat(p.stopTokenIds).containsExactly(2, 7);
        assertThat(p.ignoreEos).isTrue();
        assertThat(p.presencePenalty).isEqualTo(0.5);
        assertThat(p.frequencyPenalty).isEqualTo(-0.5);
        assertThat(p.repetitionPenalty).isEqualTo(1.2);
        assertThat(p.logprobs).isEqualTo(3);
    }

    @Test
    void cacheSaltIsKept() {
        assertThat(valid(completion("s", "{\"prompt\": \"x\", \"cache_salt\": \"tenant-1\"}")).cacheSalt())
                .contains("tenant-1");
    }

    @Test
    void stopMayBeASingleString() {
        assertThat(valid(completion("s", "{\"prompt\": \"x\", \"stop\": \"END\"}")).samplingParams().stop)
                .containsExactly("END");
    }

    @Test
    void nullFieldsMeanDefaults() {
        SamplingParams p = valid(completion("n", "{\"prompt\": \"x\", \"temperature\": null, \"max_tokens\": null,"
                + " \"stop\": null, \"seed\": null}")).samplingParams();
        assertThat(p.temperature).isEqualTo(1.0);
        assertThat(p.maxTokens).isEqualTo(16);
        assertThat(p.stop).isEmpty();
        assertThat(p.seed).isNull();
    }

    @Test
    void integralFloatsAreIntegers() {
        assertThat(valid(completion("f", "{\"prompt\": \"x\", \"max_tokens\": 8.0}")).samplingParams().maxTokens)
                .isEqualTo(8);
    }

    @Test
    void chatMaxCompletionTokensWinsOverDeprecatedMaxTokens() {
        String messages = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]";
        assertThat(valid(chat("m", "{" + messages + ", \"max_tokens\": 10}")).samplingParams().maxTokens)
                .isEqualTo(10);
        assertThat(valid(chat("m", "{" + messages + ", \"max_tokens\": 10, \"max_completion_tokens\": 20}"))
                .samplingParams().maxTokens).isEqualTo(20);
    }

    @Test
    void chatLogprobsAreABooleanAndTopLogprobs() {
        String messages = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]";
        assertThat(valid(chat("l", "{" + messages + ", \"logprobs\": true, \"top_logprobs\": 5}"))
                .samplingParams().logprobs).isEqualTo(5);
        assertThat(valid(chat("l", "{" + messages + ", \"logprobs\": true}")).samplingParams().logprobs)
                .isEqualTo(0);
        assertThat(valid(chat("l", "{" + messages + ", \"logprobs\": false}")).samplingParams().logprobs)
                .isNull();
    }

    @Test
    void textPartsAreJoinedAndToolOnlyAssistantTurnsAreEmpty() {
        InferenceRequest request = valid(chat("p", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " [{\"type\": \"text\", \"text\": \"one\"}, {\"type\": \"text\", \"text\": \"two\"}]},"
                + " {\"role\": \"assistant\", \"content\": null}]}"));
        assertThat(request.messages()).containsExactly(
                new ChatMessage("user", "one\ntwo"), new ChatMessage("assistant", ""));
    }

    @Test
    void modelFallsBackToTheServedName() {
        ParsedRecord parsed = parser.parse(bytes(completion("x", "{\"prompt\": \"x\"}")));
        assertThat(((ParsedRecord.Valid) parsed).request().model()).isEqualTo("models/m");
    }

    @Test
    void theModelArgumentAndItsFolderNameAreBothServed() {
        for (String name : new String[] {"models/m", "m"}) {
            ParsedRecord parsed = parser.parse(bytes(completion("x", "{\"prompt\": \"x\", \"model\": \"" + name + "\"}")));
            assertThat(((ParsedRecord.Valid) parsed).request().model()).isEqualTo(name);
        }
    }

    // ---- bad requests: a custom_id to answer with a 400 ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{'custom_id': 'r', 'method': 'GET', 'url': '/v1/completions', 'body': {'prompt': 'x'}} | method must be \"POST\", got \"GET\"",
        "{'custom_id': 'r', 'url': '/v1/completions', 'body': {'prompt': 'x'}}                   | method must be \"POST\"",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/embeddings', 'body': {'input': 'x'}}  | url must be \"/v1/chat/completions\" or \"/v1/completions\", got \"/v1/embeddings\"",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/completions'}                          | body must be an object",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/completions', 'body': {}}              | prompt is required for /v1/completions",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/completions', 'body': {'prompt': ''}}  | prompt must not be empty",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/completions', 'body': {'prompt': ['a', 'b']}} | prompt must be a string",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/chat/completions', 'body': {}}                      | messages is required for /v1/chat/completions",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/chat/completions', 'body': {'messages': []}}        | messages must not be empty",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/chat/completions', 'body': {'messages': 'hi'}}      | messages must be a list of messages",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/chat/completions', 'body': {'messages': [{'role': 'robot', 'content': 'x'}]}} | messages[0].role must be one of",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/chat/completions', 'body': {'messages': [{'role': 'user', 'content': [{'type': 'image_url', 'image_url': {}}]}]}} | messages[0].content[0] must be a text part",
        "{'custom_id': 'r', 'method': 'POST', 'url': '/v1/chat/completions', 'body': {'messages': [{'role': 'user', 'content': 'x'}], 'top_logprobs': 2}} | top_logprobs requires logprobs to be true",
    })
    void requestsThatCannotBeServedGetA400(String line, String expectedMessage) {
        ParsedRecord parsed = parser.parse(bytes(line.replace('\'', '"')));
        assertThat(parsed).isInstanceOf(ParsedRecord.BadRequest.class);
        ParsedRecord.BadRequest bad = (ParsedRecord.BadRequest) parsed;
        assertThat(bad.customId()).isEqualTo("r");
        assertThat(bad.message()).contains(expectedMessage);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "'temperature': -1          | temperature must be >= 0",
        "'temperature': 'hot'       | temperature must be a number, got \"hot\"",
        "'top_p': 0                 | top_p must be in (0, 1]",
        "'top_p': 1.5               | top_p must be in (0, 1]",
        "'min_p': 2                 | min_p must be in [0, 1]",
        "'max_tokens': 0            | max_tokens must be at least 1",
        "'max_tokens': 2.5          | max_tokens must be an integer, got 2.5",
        "'min_tokens': 100          | min_tokens must be in [0, max_tokens=16]",
        "'presence_penalty': 3      | presence_penalty must be in [-2, 2]",
        "'frequency_penalty': -3    | frequency_penalty must be in [-2, 2]",
        "'repetition_penalty': 0    | repetition_penalty must be > 0",
        "'logprobs': 21             | logprobs must be in [0, 20]",
        "'logprobs': true           | logprobs must be an integer, got true",
        "'seed': 'x'                | seed must be an integer",
        "'stop': 5                  | stop must be a string or a list of strings",
        "'stop': ['']               | stop strings must not be empty",
        "'stop_token_ids': ['a']    | stop_token_ids must be a list of integers",
        "'ignore_eos': 'yes'        | ignore_eos must be true or false",
        "'top_k': 1.5               | top_k must be an integer",
        "'n': 2                     | n must be 1",
        "'best_of': 3               | best_of must be 1",
        "'echo': true               | echo is not supported",
        "'stream': true             | stream is not supported",
        "'cache_salt': ''           | cache_salt must not be empty",
        "'cache_salt': 7            | cache_salt must be a string",
        "'model': 7                 | model must be a string",
    })
    void invalidParametersGetA400NamingTheParameter(String field, String expectedMessage) {
        String body = "{\"prompt\": \"x\", " + field.replace('\'', '"') + "}";
        ParsedRecord parsed = parser.parse(bytes(completion("p", body)));
        assertThat(parsed).isInstanceOf(ParsedRecord.BadRequest.class);
        assertThat(((ParsedRecord.BadRequest) parsed).message()).contains(expectedMessage);
    }

    @Test
    void anotherModelIsNotFound() {
        ParsedRecord parsed = parser.parse(bytes(completion("w", "{\"prompt\": \"x\", \"model\": \"gpt-4o\"}")));
        assertThat(parsed).isEqualTo(new ParsedRecord.BadRequest("w", RequestError.MODEL_NOT_FOUND,
                "The model `gpt-4o` does not exist; this pipeline serves `models/m`"));
    }

    @Test
    void aServedModelNameReplacesTheModelArgument() {
        RequestParser serving = new RequestParser(ServedModel.named("tiny-stories"));
        assertThat(serving.parse(bytes(completion("w", "{\"prompt\": \"x\", \"model\": \"tiny-stories\"}"))))
                .isInstanceOf(ParsedRecord.Valid.class);
        assertThat(serving.parse(bytes(completion("w", "{\"prompt\": \"x\", \"model\": \"m\"}"))))
                .isInstanceOf(ParsedRecord.BadRequest.class);
    }

    // ---- not requests at all: dead letters ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "hello world                                            | not JSON",
        "{\"custom_id\": \"a\"                                  | not JSON",
        "{\"custom_id\": \"a\"} trailing                        | not JSON",
        "[1, 2]                                                 | not a JSON object but an array",
        "\"just a string\"                                      | not a JSON object but a string",
        "42                                                     | not a JSON object but a number",
        "{\"method\": \"POST\", \"url\": \"/v1/completions\"}   | no custom_id string",
        "{\"custom_id\": 17, \"method\": \"POST\"}              | no custom_id string in the object (custom_id is 17)",
        "{\"custom_id\": \"  \"}                                | no custom_id string",
    })
    void bytesThatAreNotARequestAreDeadLetters(String line, String expectedReason) {
        ParsedRecord parsed = parser.parse(bytes(line));
        assertThat(parsed).isInstanceOf(ParsedRecord.NotARequest.class);
        ParsedRecord.NotARequest notARequest = (ParsedRecord.NotARequest) parsed;
        assertThat(notARequest.reason()).contains(expectedReason);
        assertThat(notARequest.kind()).isEqualTo(expectedReason.startsWith("no custom_id")
                ? DeadLetterReason.NO_CUSTOM_ID : DeadLetterReason.NOT_JSON);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void emptyRecordsAreDeadLetters(String line) {
        assertThat(parser.parse(bytes(line))).isInstanceOf(ParsedRecord.NotARequest.class);
    }

    @Test
    void invalidUtf8IsADeadLetter() {
        byte[] bad = {'{', '"', 'c', '"', ':', (byte) 0xC3, (byte) 0x28, '}'};
        assertThat(parser.parse(bad)).isInstanceOf(ParsedRecord.NotARequest.class);
    }

    @Test
    void aTenMegabyteRecordIsADeadLetterWithoutBeingParsed() {
        // A syntactically valid request: only its size rejects it.
        String prompt = "x".repeat(10 * 1024 * 1024);
        byte[] record = bytes(completion("big", "{\"prompt\": \"" + prompt + "\"}"));

        ParsedRecord parsed = parser.parse(record);

        assertThat(parsed).isEqualTo(new ParsedRecord.NotARequest(DeadLetterReason.TOO_LARGE,
                "record is " + record.length + " bytes, more than the limit of 1048576 bytes"));
    }

    @Test
    void theSizeLimitIsConfigurable() {
        byte[] record = bytes(completion("small", "{\"prompt\": \"hello\"}"));
        ServedModel model = ServedModel.named("m");
        assertThat(new RequestParser(record.length, model).parse(record)).isInstanceOf(ParsedRecord.Valid.class);
        assertThat(new RequestParser(record.length - 1, model).parse(record)).isInstanceOf(ParsedRecord.NotARequest.class);
    }

    // ---- helpers ----

    private InferenceRequest valid(String line) {
        ParsedRecord parsed = parser.parse(bytes(line));
        assertThat(parsed).isInstanceOf(ParsedRecord.Valid.class);
        return ((ParsedRecord.Valid) parsed).request();
    }

    static String chat(String customId, String body) {
        return line(customId, "/v1/chat/completions", body);
    }

    static String completion(String customId, String body) {
        return line(customId, "/v1/completions", body);
    }

    private static String line(String customId, String url, String body) {
        return "{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"" + url + "\", \"body\": " + body + "}";
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
