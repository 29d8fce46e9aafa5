package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.models.BundledModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A loop of steps handed to the engine's tensor thread (as bench runs its requests) runs there, its
 * steps in place, and gives the tokens the same steps give called from another thread; what it throws
 * comes back as it was thrown.
 */
class RunOnTensorThreadTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378};

    @Test
    void stepsRunInPlaceOnTheTensorThreadAndGiveTheSameTokens() {
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(1 << 20))) {
            List<Integer> fromTestThread = generate(engine, "a");
            List<Integer> onTensorThread = new ArrayList<>();
            String[] thread = new String[1];
            engine.runOnTensorThread(() -> {
                thread[0] = Thread.currentThread().getName();
                onTensorThread.addAll(generate(engine, "b"));
            });

            assertThat(thread[0]).isEqualTo("flinfer-tensors");
            assertThat(onTensorThread).hasSize(20).isEqualTo(fromTestThread);
            IllegalStateException thrown = new IllegalStateException("from the loop");
            assertThatThrownBy(() -> engine.runOnTensorThread(() -> {
                throw thrown;
            })).isSameAs(thrown);
        }
    }

    private static List<Integer> generate(LlmEngine engine, String id) {
        engine.addRequest(id, PROMPT, SamplingParams.greedy(20), null, new int[0]);
        List<Integer> tokens = new ArrayList<>();
        while (engine.hasUnfinishedRequests()) {
            for (RequestOutput out : engine.step()) {
                if (out.finished()) {
                    for (int t : out.outputTokenIds()) {
                        tokens.add(t);
                    }
                }
            }
        }
        return tokens;
    }
}
