package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.GreedyGolden.Outcome;
import io.flinfer.engine.testing.OneDnnIsaCap;
import io.flinfer.models.BundledModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine reproduces llama2.c's greedy output for stories260K token for token. */
@ExtendWith(OneDnnIsaCap.class)
class GoldenGreedyTest {

    @Test
    void reproducesLlama2cGreedyTokensAndText() {
        GreedyGolden golden = GreedyGolden.read(BundledModels.stories260KGreedyGolden());
        assertThat(golden.cases()).hasSizeGreaterThanOrEqualTo(3);
        try (Llm llm = Llm.load(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(16L << 20))) {
            for (Outcome out : golden.replay(llm)) {
                String prompt = out.golden().prompt();
                assertThat(out.encodedPrompt()).as("prompt ids of %s", prompt).isEqualTo(out.golden().promptIds());
                assertThat(out.ids()).as("greedy ids for %s", prompt).isEqualTo(out.golden().greedyIds());
                assertThat(out.text()).isEqualTo(out.golden().text());
                assertThat(out.passed()).isTrue();
            }
        }
    }
}
