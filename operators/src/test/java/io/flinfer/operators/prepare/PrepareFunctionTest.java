package io.flinfer.operators.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.models.BundledModels;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.ParsedRecord;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ServedModel;
import io.flinfer.operators.records.SideOutputs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prepare step in Flink's operator harness, with the bundled stories260K tokenizer: a prepared
 * request carries everything generate needs, decided once.
 */
class PrepareFunctionTest {
    private static final RequestParser PARSER = new RequestParser(ServedModel.named("stories260K"));
    /** Long enough for two full 16-token blocks. */
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. Every day she ran with her friends and laughed in the warm sun.";

    private OneInputStreamOperatorTestHarness<InferenceRequest, PreparedRequest> harness;

    @BeforeEach
    void open() throws Exception {
        EngineConfig engine = EngineConfig.defaults(BundledModels.stories260K());
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new PrepareFunction(engine, 2));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void aPromptIsTokenizedOnceWithItsSeedAndSaltFixed() throws Exception {
        process(completion("a", "\"prompt\": \"Once upon a time\", \"temperature\": 0.8, \"cache_salt\": \"t1\""));
        process(completion("b", "\"prompt\": \"Once upon a time\", \"seed\": 5"));

        List<PreparedRequest> out = harness.extractOutputValues();
        PreparedRequest a = out.get(0);
        assertThat(a.promptIds()).as("llama2.c's ids for the prompt").containsExactly(1, 403, 407, 261, 378);
        assertThat(a.samplingParams().temperature).isEqualTo(0.8);
        assertThat(a.samplingParams().seed).as("derived from the custom_id").isEqualTo(PrepareFunction.derivedSeed("a"));
        assertThat(a.cacheSalt()).isEqualTo("t1");
        assertThat(a.prefixKey()).as("shorter than a block: keyed by its custom_id").isEqualTo("id:a");
        assertThat(out.get(1).samplingParams().seed).as("its own seed").isEqualTo(5L);
        assertThat(out.get(1).cacheSalt()).isNull();
    }

    @Test
    void promptsSharingTheirFirstBlocksShareAKeyUnlessTheirSaltsDiffer() throws Exception {
        process(completion("x", "\"prompt\": \"" + STORY + " One day\""));
        process(completion("y", "\"prompt\": \"" + STORY + " Her dog\""));
        process(completion("z", "\"prompt\": \"" + STORY + " One day\", \"cache_salt\": \"other\""));

        List<PreparedRequest> out = harness.extractOutputValues();
        assertThat(out.get(0).prefixKey()).startsWith("p:").isEqualTo(out.get(1).prefixKey());
        assertThat(out.get(2).prefixKey()).isNotEqualTo(out.get(0).prefixKey());
    }

    @Test
    void aChatRequestForAModelWithoutAChatTemplateGetsAnErrorResult() throws Exception {
        process(parse("{\"custom_id\": \"c\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\","
                + " \"body\": {\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}}"));

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.getSideOutput(SideOutputs.ERROR_RESULTS)).singleElement()
                .satisfies(r -> assertThat(r.getValue().json()).contains("\"status_code\":400").contains("no chat template"));
    }

    private void process(InferenceRequest request) throws Exception {
        harness.processElement(request, 0);
    }

    private static InferenceRequest completion(String customId, String bodyFields) {
        return parse("{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                + " \"body\": {" + bodyFields + "}}");
    }

    private static InferenceRequest parse(String line) {
        return ((ParsedRecord.Valid) PARSER.parse(line.getBytes(StandardCharsets.UTF_8))).request();
    }
}
