package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.TokenLogprobs;
import io.flinfer.engine.testing.OneDnnIsaCap;
import io.flinfer.models.BundledModels;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Steps whose rows all decode greedily with nothing to apply take the argmax inside the model's
 * program; the others go through the sampler. Both give the same tokens, and a greedy request that
 * asks for logprobs still gets them.
 */
@ExtendWith(OneDnnIsaCap.class)
class ArgmaxOnlyStepsTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {1, 403, 407, 261, 378}, new int[] {1, 365, 261});

    @Test
    void argmaxInTheProgramGivesTheSamplersTokensAndLogprobsStillComeBack() {
        try (Llm llm = Llm.load(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(16L << 20))) {
            List<RequestOutput> plain = llm.generateIds(PROMPTS, SamplingParams.greedy(40));
            List<RequestOutput> sampled = llm.generateIds(PROMPTS,
                    SamplingParams.greedy(40).toBuilder().logprobs(1).build());
            for (int i = 0; i < PROMPTS.size(); i++) {
                assertThat(plain.get(i).outputTokenIds()).hasSize(40);
                assertThat(plain.get(i).outputTokenIds()).isEqualTo(sampled.get(i).outputTokenIds());
                assertThat(plain.get(i).logprobs()).isNullOrEmpty();
                List<TokenLogprobs> logprobs = sampled.get(i).logprobs();
                assertThat(logprobs).hasSize(40);
                for (int t = 0; t < 40; t++) {
                    assertThat(logprobs.get(t).tokenId()).isEqualTo(sampled.get(i).outputTokenIds()[t]);
                    assertThat(logprobs.get(t).topTokenIds()).containsExactly(logprobs.get(t).tokenId());
                }
            }
        }
    }
}
