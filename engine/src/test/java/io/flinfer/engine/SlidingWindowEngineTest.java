package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.testing.ReferenceLlama;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.models.BundledModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Mistral whose every layer slides (window 20, blocks of 16): the engine releases each sequence's
 * blocks as they fall out of the window while it keeps generating, and still gives the greedy tokens
 * of the double-precision reference, which applies the window to the whole sequence.
 */
class SlidingWindowEngineTest {
    private static final int WINDOW = 20;
    private static final int OUTPUT = 40;

    @Test
    void releasedBlocksLeaveGreedyTokensAsTheReferenceGivesThem(@TempDir Path dir) throws Exception {
        TinyCheckpoint ckpt = TinyCheckpoint.random(
                new TinyCheckpoint.Variant("mistral", "mistral", 4, 2, 12, false, false, null).withWindow("mistral", WINDOW), 5);
        Path model = ckpt.write(dir.resolve("mistral"), BundledModels.stories260K());
        ReferenceLlama reference = new ReferenceLlama(ckpt);
        Random rnd = new Random(3);
        int[][] prompts = {rnd.ints(30, 3, 500).toArray(), rnd.ints(9, 3, 500).toArray(), rnd.ints(45, 3, 500).toArray()};
        EngineConfig config = EngineConfig.defaults(model).withLimits(4, 2048, 128);
        Map<String, int[]> outputs = new HashMap<>();
        int mostBlocksInUse = 0;
        try (LlmEngine engine = LlmEngine.create(config)) {
            SamplingParams greedy = SamplingParams.builder().temperature(0).maxTokens(OUTPUT).ignoreEos(true).build();
            for (int i = 0; i < prompts.length; i++) {
                engine.addRequest("r" + i, prompts[i], greedy, null, new int[0]);
            }
            while (engine.hasUnfinishedRequests()) {
                for (RequestOutput out : engine.step()) {
                    if (out.finished()) {
                        outputs.put(out.requestId(), out.outputTokenIds());
                    }
                }
                EngineStats stats = engine.stats();
                mostBlocksInUse = Math.max(mostBlocksInUse, stats.numKvBlocks() - stats.numFreeKvBlocks());
            }
            engine.blockPool().checkInvariants();
            assertThat(engine.stats().numFreeKvBlocks()).as("no block leaked").isEqualTo(engine.stats().numKvBlocks());
        }
        // Without releasing, the three reach 70, 49 and 85 tokens: 5 + 4 + 6 blocks of 16. With it, a
        // sequence holds at most ceil(20 / 16) + 1 = 3 blocks.
        assertThat(mostBlocksInUse).isLessThanOrEqualTo(3 * 3);
        for (int i = 0; i < prompts.length; i++) {
            assertThat(outputs.get("r" + i)).as("request %d", i).isEqualTo(referenceGreedy(reference, prompts[i]));
        }
    }

    private static int[] referenceGreedy(ReferenceLlama reference, int[] prompt) {
        int[] tokens = prompt;
        for (int t = 0; t < OUTPUT; t++) {
            double[] logits = reference.lastLogits(tokens);
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            tokens = Arrays.copyOf(tokens, tokens.length + 1);
            tokens[tokens.length - 1] = best;
        }
        return Arrays.copyOfRange(tokens, prompt.length, tokens.length);
    }
}
