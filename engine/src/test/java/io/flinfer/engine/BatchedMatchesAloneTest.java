package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.models.BundledModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 64 concurrent greedy requests with different prompt and output lengths, many sharing prefixes,
 * give exactly the tokens each gives alone — whatever the engine does to serve them together:
 * prefix caching on or off, a token budget that forces chunked prefill, a KV pool that forces
 * preemption. Afterwards every block is free or cached.
 */
class BatchedMatchesAloneTest {
    private static final int REQUESTS = 64;
    @TempDir static Path tmp;
    private static Path tinyModel;
    /** Each model's requests and their outputs when run one at a time, computed once. */
    private static final Map<String, List<int[]>> ALONE = new HashMap<>();

    @BeforeAll
    static void writeTinyModel() throws Exception {
        TinyCheckpoint.Variant v = new TinyCheckpoint.Variant("qwen2 GQA", "qwen2", 4, 2, 12, false, false, null);
        tinyModel = TinyCheckpoint.random(v, 3).write(tmp.resolve("tiny"), BundledModels.stories260K());
    }

    enum Mode {
        PREFIX_CACHING(8 << 20, 2048, true),
        NO_PREFIX_CACHING(8 << 20, 2048, false),
        CHUNKED_PREFILL(8 << 20, 24, true),
        PREEMPTION(160 << 10, 2048, true);

        final long kvBytes;
        final int batchedTokens;
        final boolean prefixCaching;

        Mode(long kvBytes, int batchedTokens, boolean prefixCaching) {
            this.kvBytes = kvBytes;
            this.batchedTokens = batchedTokens;
            this.prefixCaching = prefixCaching;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : List.of("stories260K", "tiny-random-qwen2")) { // ordered: a model's cases share its baseline
            for (Mode mode : Mode.values()) {
                cases.add(Arguments.of(model, mode));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void concurrentRequestsGiveTheTokensTheyGiveAlone(String modelName, Mode mode) {
        Path model = modelName.equals("stories260K") ? BundledModels.stories260K() : tinyModel;
        Random rnd = new Random(11);
        List<int[]> prompts = new ArrayList<>();
        List<Integer> maxTokens = new ArrayList<>();
        int[] sharedPrefix = rnd.ints(40, 3, 500).toArray();
        for (int i = 0; i < REQUESTS; i++) {
            int len = 2 + rnd.nextInt(50);
            int[] p = rnd.ints(len, 3, 500).toArray();
            if (i % 2 == 0) { // half share a prefix of 0..40 tokens with each other
                System.arraycopy(sharedPrefix, 0, p, 0, Math.min(len, rnd.nextInt(41)));
            }
            p[0] = 1;
            prompts.add(p);
            maxTokens.add(1 + rnd.nextInt(16));
        }
        List<int[]> alone = ALONE.computeIfAbsent(modelName, m -> runAlone(model, prompts, maxTokens));
        EngineConfig config = EngineConfig.defaults(model).withKvCacheMemory(mode.kvBytes)
                .withLimits(64, mode.batchedTokens, 128).withFeatures(mode.prefixCaching, true);
        try (LlmEngine engine = LlmEngine.create(config)) {
            List<int[]> together = runAll(engine, prompts, maxTokens);
            for (int i = 0; i < REQUESTS; i++) {
                assertThat(together.get(i)).as("request %d", i).isEqualTo(alone.get(i));
            }
            EngineStats stats = engine.stats();
            if (mode == Mode.PREEMPTION) {
                assertThat(stats.numPreemptions()).as("preemptions").isPositive();
            }
            if (mode == Mode.PREFIX_CACHING) {
                assertThat(stats.prefixCacheHits()).as("prefix cache hits").isPositive();
            }
            if (!mode.prefixCaching) {
                assertThat(stats.prefixCacheHits()).isZero();
            }
            assertThat(stats.numFreeKvBlocks()).as("no KV block leaked").isEqualTo(stats.numKvBlocks());
            engine.blockPool().checkInvariants();
        }
    }

    /** The baseline: a plain engine (no prefix caching, no chunking) serving one request at a time. */
    private static List<int[]> runAlone(Path model, List<int[]> prompts, List<Integer> maxTokens) {
        EngineConfig plain = EngineConfig.defaults(model).withLimits(1, 2048, 128).withFeatures(false, false);
        List<int[]> outputs = new ArrayList<>();
        try (LlmEngine engine = LlmEngine.create(plain)) {
            for (int i = 0; i < prompts.size(); i++) {
                outputs.add(runAll(engine, List.of(prompts.get(i)), List.of(maxTokens.get(i))).get(0));
            }
            // Its one-token steps timed their thread counts (the batched runs then compare steps on both).
            assertThat(engine.stepThreads()).containsAnyOf("1 token: ", "the one intra-op thread");
        }
        return outputs;
    }

    private static List<int[]> runAll(LlmEngine engine, List<int[]> prompts, List<Integer> maxTokens) {
        for (int i = 0; i < prompts.size(); i++) {
            SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(maxTokens.get(i)).ignoreEos(true).build();
            engine.addRequest("r" + i, prompts.get(i), params, null, new int[0]);
        }
        Map<String, int[]> done = new HashMap<>();
        while (engine.hasUnfinishedRequests()) {
            for (RequestOutput out : engine.step()) {
                if (out.finished()) {
                    done.put(out.requestId(), out.outputTokenIds());
                }
            }
        }
        List<int[]> outputs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            outputs.add(done.get("r" + i));
            assertThat(outputs.get(i)).hasSize(maxTokens.get(i));
        }
        return outputs;
    }
}
