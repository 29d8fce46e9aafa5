package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.engine.structured.StructuredOutputs;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jump-forward appends the text a grammar forces (property names, punctuation, a literal's rest)
 * without a step per token: the outputs are exactly those of sampling the forced tokens one step
 * each, in fewer steps.
 */
class JumpForwardTest {
    /** Long property names and a const: much of each output is forced. */
    private static final String SCHEMA = """
            {"type": "object", "properties": {
               "customer_name": {"type": "string", "maxLength": 6},
               "number_of_items": {"type": "integer", "minimum": 0, "maximum": 99},
               "kind": {"const": "a fixed answer"},
               "is_priority_request": {"type": "boolean"}},
             "required": ["customer_name", "number_of_items", "kind", "is_priority_request"]}""";

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void synthesize() throws Exception {
        model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 7, false, (done, total) -> {});
    }

    @Test
    void forcedTokensAppendedAtOnceGiveTheOutputsOfOneStepEachInFewerSteps() {
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(model).withKvCacheMemory(16 << 20))) {
            StructuredOutputs structured = engine.structuredOutputs();
            structured.setJumpForward(false);
            Batch stepByStep = run(engine, "off");
            assertThat(structured.stats().forcedTokens()).isZero();

            structured.setJumpForward(true);
            Batch jumped = run(engine, "on");

            for (int i = 0; i < stepByStep.outputs.size(); i++) {
                RequestOutput expected = stepByStep.outputs.get("off-" + i);
                RequestOutput actual = jumped.outputs.get("on-" + i);
                assertThat(actual.outputTokenIds()).as("request %d: %s", i, expected.text()).isEqualTo(expected.outputTokenIds());
                assertThat(actual.text()).isEqualTo(expected.text());
                assertThat(actual.finishReason()).isEqualTo(expected.finishReason());
                assertThat(actual.text()).contains("\"kind\":\"a fixed answer\",\"is_priority_request\":");
            }
            long forced = structured.stats().forcedTokens();
            assertThat(forced).as("the property names and the const").isGreaterThan(8L * 10);
            assertThat(jumped.steps).as("steps with jump-forward vs one per token").isLessThan(stepByStep.steps * 2 / 3);
        }
    }

    private record Batch(Map<String, RequestOutput> outputs, int steps) {}

    /** Eight requests at once, half sampled at temperature 1 with seeds, half greedy; every step counted. */
    private static Batch run(LlmEngine engine, String prefix) {
        for (int i = 0; i < 8; i++) {
            SamplingParams.Builder params = SamplingParams.builder().maxTokens(200)
                    .structuredOutput(StructuredOutput.jsonSchema(SCHEMA));
            if (i % 2 == 0) {
                params.temperature(1.0).seed((long) i);
            } else {
                params.temperature(0.0);
            }
            engine.addRequest(prefix + "-" + i, new int[] {1, 300 + i, 301, 302}, params.build(), null, new int[0]);
        }
        Map<String, RequestOutput> outputs = new HashMap<>();
        int steps = 0;
        while (engine.hasUnfinishedRequests()) {
            steps++;
            for (RequestOutput out : engine.step()) {
                if (out.finished()) {
                    outputs.put(out.requestId(), out);
                }
            }
        }
        assertThat(outputs).hasSize(8);
        return new Batch(outputs, steps);
    }
}
