package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.models.BundledModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Structured outputs through the whole engine: a random-weight model (whose unconstrained output is
 * noise) and the bundled stories260K, sampled at temperature 1 under the grammar's mask.
 */
class StructuredGenerationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A finite language: every string, array and integer bounded, so every request must finish by STOP. */
    private static final String SCHEMA = """
            {"type": "object", "properties": {
               "name": {"type": "string", "maxLength": 8},
               "age": {"type": "integer", "minimum": 0, "maximum": 120},
               "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3},
               "ok": {"type": "boolean"}},
             "required": ["name", "age", "tags"], "additionalProperties": false}""";

    @TempDir
    static Path dir;
    static Path randomModel;

    @BeforeAll
    static void synthesize() throws Exception {
        randomModel = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), randomModel, 11, false, (done, total) -> {});
    }

    @Test
    void everyOutputOfARandomModelIsValidForTheSchema() throws Exception {
        Schema validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(JSON.readTree(SCHEMA));
        try (Llm llm = Llm.load(EngineConfig.defaults(randomModel).withKvCacheMemory(8 << 20))) {
            List<RequestOutput> outs = generate(llm, StructuredOutput.jsonSchema(SCHEMA), 24, 120);
            for (RequestOutput out : outs) {
                assertThat(out.finishReason()).as(out.text()).isEqualTo(FinishReason.STOP);
                assertThat(validator.validate(JSON.readTree(out.text()))).as(out.text()).isEmpty();
            }
            assertThat(outs.stream().map(RequestOutput::text).distinct().count()).isGreaterThan(10);
            assertThat(llm.engine().structuredOutputs().stats().compiles()).isEqualTo(1);
            assertThat(llm.engine().structuredOutputs().stats().cacheHits()).isEqualTo(23);
        }
    }

    @Test
    void regexesAndChoicesHoldOnATrainedModelWithByteFallback() {
        try (Llm llm = Llm.load(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(8 << 20))) {
            String regex = "[A-Z][a-z]{1,6} (is|was) \\d{1,2}\\.";
            for (RequestOutput out : generate(llm, StructuredOutput.regex(regex), 16, 40)) {
                assertThat(out.finishReason()).isEqualTo(FinishReason.STOP);
                assertThat(Pattern.matches(regex, out.text())).as(out.text()).isTrue();
            }
            StructuredOutput choice = new StructuredOutput(StructuredOutput.Kind.CHOICE, "[\"happy\",\"sad\",\"日本\"]", false);
            for (RequestOutput out : generate(llm, choice, 16, 20)) {
                assertThat(out.text()).isIn("happy", "sad", "日本");
            }
        }
    }

    @Test
    void aRestoredRequestRebuildsItsMatcherAndEndsAsItWouldHave() {
        SamplingParams params = SamplingParams.builder().temperature(1.0).seed(5L).maxTokens(120)
                .structuredOutput(StructuredOutput.jsonSchema(SCHEMA)).build();
        int[] prompt = {1, 300, 301, 302};
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(randomModel).withKvCacheMemory(8 << 20))) {
            RequestOutput whole = run(engine, "whole", prompt, params, new int[0]);
            int[] ids = whole.outputTokenIds();
            assertThat(ids.length).isGreaterThan(6);
            RequestOutput resumed = run(engine, "resumed", prompt, params, Arrays.copyOf(ids, ids.length / 2));
            assertThat(resumed.outputTokenIds()).isEqualTo(ids);
            assertThat(resumed.text()).isEqualTo(whole.text());
        }
    }

    /**
     * min_tokens keeps EOS out while the grammar could go on; where the grammar is complete and nothing
     * can follow, the grammar wins and the request ends short of min_tokens (no token would be valid).
     */
    @Test
    void minTokensHoldsOffEosUntilTheGrammarHasNothingLeft() {
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(8 << 20))) {
            for (long seed = 0; seed < 8; seed++) {
                SamplingParams params = SamplingParams.builder().temperature(1.0).seed(seed).maxTokens(40).minTokens(6)
                        .structuredOutput(StructuredOutput.regex("a{1,12}")).build();
                RequestOutput out = run(engine, "as-" + seed, new int[] {1, 403, 407}, params, new int[0]);
                assertThat(out.finishReason()).isEqualTo(FinishReason.STOP);
                assertThat(out.outputTokenIds().length >= 6 || out.text().length() == 12)
                        .as("'%s' in %d tokens: at least 6, or the grammar's end", out.text(), out.outputTokenIds().length).isTrue();
            }
            SamplingParams choice = SamplingParams.builder().temperature(1.0).seed(1L).maxTokens(40).minTokens(30)
                    .structuredOutput(new StructuredOutput(StructuredOutput.Kind.CHOICE, "[\"yes\",\"no\"]", false)).build();
            RequestOutput out = run(engine, "choice", new int[] {1, 403, 407}, choice, new int[0]);
            assertThat(out.text()).isIn("yes", "no");
            assertThat(out.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(out.outputTokenIds().length).isLessThan(30);
        }
    }

    @Test
    void aBadConstraintIsRefusedWhenTheRequestIsAdded() {
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(randomModel).withKvCacheMemory(8 << 20))) {
            SamplingParams params = SamplingParams.builder().structuredOutput(StructuredOutput.regex("(a")).build();
            assertThatThrownBy(() -> engine.addRequest("bad", new int[] {1, 300}, params, null, new int[0]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid regex");
            assertThat(engine.hasUnfinishedRequests()).isFalse();
        }
    }

    private static List<RequestOutput> generate(Llm llm, StructuredOutput constraint, int n, int maxTokens) {
        List<RequestOutput> outs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SamplingParams params = SamplingParams.builder().temperature(1.0).seed((long) i).maxTokens(maxTokens)
                    .structuredOutput(constraint).build();
            outs.addAll(llm.generate(List.of("Once upon a time"), params));
        }
        return outs;
    }

    private static RequestOutput run(LlmEngine engine, String id, int[] prompt, SamplingParams params, int[] resumed) {
        engine.addRequest(id, prompt, params, null, resumed);
        while (engine.hasUnfinishedRequests()) {
            for (RequestOutput out : engine.step()) {
                if (out.finished()) {
                    return out;
                }
            }
        }
        throw new AssertionError("no output");
    }
}
