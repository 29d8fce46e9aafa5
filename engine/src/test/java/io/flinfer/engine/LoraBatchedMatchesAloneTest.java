package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.synth.SyntheticLora;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.models.BundledModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Greedy requests of three LoRA adapters and of the base model, all at once and sharing prompt
 * prefixes, give exactly the tokens each gives alone: one step mixes their rows, the prefix cache
 * never lends one adapter's keys and values to another (a shared block would change the tokens),
 * and with fewer adapter slots than adapters requests wait for a slot rather than fail. A broken
 * adapter folder fails only its own requests.
 */
class LoraBatchedMatchesAloneTest {
    private static final int REQUESTS = 24;
    /** Request i runs with ADAPTERS[i % 4]; null is the base model. */
    private static final String[] ADAPTERS = {null, "qv", "mlp", "all"};
    @TempDir static Path tmp;
    private static Path model;
    private static Map<String, String> modules;
    private static List<int[]> prompts;
    private static List<int[]> alone;

    @BeforeAll
    static void writeModelAndAdapters() throws Exception {
        TinyCheckpoint.Variant v = new TinyCheckpoint.Variant("qwen2 GQA", "qwen2", 4, 2, 12, false, false, null);
        model = TinyCheckpoint.random(v, 3).write(tmp.resolve("tiny"), BundledModels.stories260K());
        modules = new LinkedHashMap<>();
        modules.put("qv", synth("qv", new SyntheticLora.Options(4, List.of("q_proj", "v_proj"), 1, false)));
        modules.put("mlp", synth("mlp", new SyntheticLora.Options(8, List.of("gate_proj", "up_proj", "down_proj"), 2, false)));
        modules.put("all", synth("all", SyntheticLora.Options.allModules(16, 3)));
        Random rnd = new Random(11);
        int[] shared = rnd.ints(24, 3, 500).toArray();
        prompts = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            int[] p = rnd.ints(8 + rnd.nextInt(30), 3, 500).toArray();
            // Every request shares a prefix of at least two blocks with requests of every other adapter.
            System.arraycopy(shared, 0, p, 0, Math.min(p.length, 16 + rnd.nextInt(9)));
            prompts.add(p);
        }
        EngineConfig plain = EngineConfig.defaults(model).withLimits(1, 2048, 128).withFeatures(false, false);
        alone = new ArrayList<>();
        try (LlmEngine engine = LlmEngine.create(plain.withLora(new LoraConfig(modules, 1, 16, 1)))) {
            for (int i = 0; i < REQUESTS; i++) {
                alone.add(run(engine, List.of(i)).get(0));
            }
        }
    }

    private static String synth(String name, SyntheticLora.Options options) throws Exception {
        Path dir = tmp.resolve("lora-" + name);
        SyntheticLora.write(model, dir, options);
        return dir.toString();
    }

    @ParameterizedTest(name = "max_loras {0}, max_cpu_loras {1}")
    @CsvSource({"3, 3", "2, 2", "1, 1"})
    void mixedAdaptersGiveTheTokensEachGivesAlone(int maxLoras, int maxCpuLoras) {
        EngineConfig config = EngineConfig.defaults(model).withKvCacheMemory(8 << 20).withLimits(64, 2048, 128);
        try (LlmEngine engine = LlmEngine.create(config.withLora(new LoraConfig(modules, maxLoras, 16, maxCpuLoras)))) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                all.add(i);
            }
            List<int[]> together = run(engine, all);
            for (int i = 0; i < REQUESTS; i++) {
                assertThat(together.get(i)).as("request %d (adapter %s)", i, ADAPTERS[i % 4]).isEqualTo(alone.get(i));
            }
            assertThat(engine.stats().prefixCacheHits()).as("prefix cache hits within each adapter").isPositive();
            assertThat(engine.stats().numFreeKvBlocks()).isEqualTo(engine.stats().numKvBlocks());
        }
    }

    @Test
    void everyAdapterChangesGreedyOutput() {
        EngineConfig plain = EngineConfig.defaults(model).withLimits(1, 2048, 128).withFeatures(false, false);
        try (LlmEngine engine = LlmEngine.create(plain)) {
            for (int a = 1; a < 4; a++) {
                int changed = 0;
                for (int i = a; i < REQUESTS; i += 4) {
                    engine.addRequest("base", prompts.get(i), greedy(), null, new int[0]);
                    changed += Arrays.equals(drain(engine).get("base"), alone.get(i)) ? 0 : 1;
                }
                assertThat(changed).as("requests whose output adapter %s changes", ADAPTERS[a]).isPositive();
            }
        }
    }

    @Test
    void aBrokenAdapterFailsOnlyItsOwnRequests() throws Exception {
        Path broken = tmp.resolve("lora-broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("adapter_config.json"), "{\"r\": 4, \"lora_alpha\": 8, \"use_dora\": true}");
        Files.writeString(broken.resolve("adapter_model.safetensors"), "not safetensors");
        Map<String, String> withBroken = new LinkedHashMap<>(modules);
        withBroken.put("broken", broken.toString());
        EngineConfig config = EngineConfig.defaults(model).withKvCacheMemory(8 << 20).withLimits(64, 2048, 128);
        try (LlmEngine engine = LlmEngine.create(config.withLora(new LoraConfig(withBroken, 2, 16, 2)))) {
            SamplingParams params = greedy();
            engine.addRequest("r1", prompts.get(1), params, null, new int[0], "qv");
            assertThatThrownBy(() -> engine.addRequest("b", prompts.get(1), params, null, new int[0], "broken"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broken").hasMessageContaining("use_dora");
            assertThatThrownBy(() -> engine.addRequest("u", prompts.get(1), params, null, new int[0], "nope"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no LoRA adapter named nope");
            assertThat(drain(engine).get("r1")).isEqualTo(alone.get(1));
        }
    }

    /** Runs requests {@code indices} (request i with adapter ADAPTERS[i % 4]) together, 12 greedy tokens each. */
    private static List<int[]> run(LlmEngine engine, List<Integer> indices) {
        for (int i : indices) {
            engine.addRequest("r" + i, prompts.get(i), greedy(), null, new int[0], ADAPTERS[i % 4]);
        }
        Map<String, int[]> done = drain(engine);
        return indices.stream().map(i -> done.get("r" + i)).toList();
    }

    private static SamplingParams greedy() {
        return SamplingParams.builder().temperature(0).maxTokens(12).ignoreEos(true).build();
    }

    private static Map<String, int[]> drain(LlmEngine engine) {
        Map<String, int[]> done = new HashMap<>();
        while (engine.hasUnfinishedRequests()) {
            for (RequestOutput out : engine.step()) {
                if (out.finished()) {
                    done.put(out.requestId(), out.outputTokenIds());
                }
            }
        }
        return done;
    }
}
