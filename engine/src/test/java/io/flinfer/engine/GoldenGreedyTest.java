package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.models.BundledModels;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import io.flinfer.engine.testing.OneDnnIsaCap;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine reproduces llama2.c's greedy output for stories260K token for token. */
@ExtendWith(OneDnnIsaCap.class)
class GoldenGreedyTest {
    /** llama2.c runs 256 positions; the token sampled at the last one is printed too. */
    private static final int POSITIONS = 256;

    @Test
    void reproducesLlama2cGreedyTokensAndText() throws Exception {
        JsonNode golden = new ObjectMapper().readTree(BundledModels.stories260KGreedyGolden());
        try (Llm llm = Llm.load(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(16L << 20))) {
            for (JsonNode c : golden.get("cases")) {
                int[] promptIds = ints(c.get("prompt_ids"));
                int[] expected = ints(c.get("greedy_ids"));
                assertThat(llm.engine().tokenizer().encode(c.get("prompt").asText())).isEqualTo(promptIds);
                SamplingParams params = SamplingParams.builder().temperature(0)
                        .maxTokens(POSITIONS + 1 - promptIds.length).stopTokenIds(List.of(1)).build();
                RequestOutput out = llm.generateIds(List.of(promptIds), params).get(0);
                assertThat(out.outputTokenIds()).as("greedy ids for %s", c.get("prompt")).isEqualTo(expected);
                // llama2.c prints the prompt, the continuation, and a final newline.
                assertThat(c.get("prompt").asText() + out.text() + "\n").isEqualTo(c.get("text").asText());
            }
        }
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
