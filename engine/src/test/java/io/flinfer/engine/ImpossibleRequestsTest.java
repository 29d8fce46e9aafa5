package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.models.BundledModels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Requests that can never be served fail clearly; the others complete, and nothing leaks. */
class ImpossibleRequestsTest {
    @Test
    void tooLongAndTooBigRequestsFailWhileTheOthersComplete() {
        // 64 blocks of 16 tokens = 1024 slots; max_model_len 200.
        EngineConfig config = EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(64 * 16 * 1280L)
                .withLimits(8, 256, 200);
        try (Llm llm = Llm.load(config)) {
            int[] ok = {1, 403, 407, 261, 378};
            int[] tooLong = new int[250];
            Arrays.fill(tooLong, 300);
            List<RequestOutput> outs = llm.generateIds(List.of(ok, tooLong, ok), SamplingParams.greedy(20));
            assertThat(outs.get(0).error()).isNull();
            assertThat(outs.get(0).outputTokenIds()).hasSize(20);
            assertThat(outs.get(2).outputTokenIds()).isEqualTo(outs.get(0).outputTokenIds());
            assertThat(outs.get(1).finishReason()).isEqualTo(FinishReason.ERROR);
            assertThat(outs.get(1).error()).contains("250 tokens").contains("max_model_len is 200");
            assertThat(llm.engine().stats().numFreeKvBlocks()).isEqualTo(64);
        }
    }

    @Test
    void requestNeedingMoreBlocksThanThePoolIsRejected() {
        EngineConfig config = EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(4 * 16 * 1280L)
                .withLimits(8, 256, 256);
        try (LlmEngine engine = LlmEngine.create(config)) {
            assertThatThrownBy(() -> engine.addRequest("big", new int[] {1, 403}, SamplingParams.greedy(100), null, new int[0]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs up to 7 KV blocks")
                    .hasMessageContaining("whole KV cache has 4");
            assertThat(engine.hasUnfinishedRequests()).isFalse();
        }
    }

    @Test
    void abortFreesEverything() {
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(1 << 20))) {
            for (int i = 0; i < 5; i++) {
                engine.addRequest("r" + i, new int[] {1, 403, 407, 261, 378}, SamplingParams.greedy(50), null, new int[0]);
            }
            engine.step();
            engine.step();
            for (int i = 0; i < 5; i++) {
                engine.abort("r" + i);
            }
            assertThat(engine.hasUnfinishedRequests()).isFalse();
            assertThat(engine.stats().numFreeKvBlocks()).isEqualTo(engine.stats().numKvBlocks());
            engine.blockPool().checkInvariants();
        }
    }
}
