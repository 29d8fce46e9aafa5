package io.flinfer.engine.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.model.StepInput;
import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.LlamaModel;
import io.flinfer.engine.model.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A synthetic checkpoint is a real Hugging Face checkpoint: our loader runs it and DJL's tokenizer reads it. */
class SyntheticCheckpointTest {

    @ParameterizedTest(name = "{0}, bf16={1}")
    @CsvSource({"tiny, false", "tiny, true", "tiny-qwen2, false", "tiny-phi3, false", "tiny-mixtral, false",
        "tiny-qwen3-moe, true", "tiny-qwen2-moe, false", "tiny-gemma2, false", "tiny-gemma3, false"})
    void writesACheckpointThatLoadsAndRuns(String presetName, boolean bf16, @TempDir Path dir) throws Exception {
        SynthPreset preset = SynthPreset.named(presetName);
        List<Long> progress = new ArrayList<>();
        SyntheticCheckpoint.write(preset, dir, 7, bf16, (done, total) -> progress.add(done));

        ModelConfig config = ModelConfig.load(dir);
        assertThat(config.modelType()).isEqualTo(preset.modelType());
        assertThat(config.hiddenSize()).isEqualTo(preset.hiddenSize());
        assertThat(config.numLayers()).isEqualTo(preset.numLayers());
        assertThat(config.numKvHeads()).isEqualTo(preset.numKvHeads());
        assertThat(config.vocabSize()).isEqualTo(preset.vocabSize());
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.qkvBias()).isEqualTo(preset.qkvBias());
        assertThat(config.moe() == null).isEqualTo(preset.experts() == null);
        assertThat(new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("architectures").get(0).asText())
                .isEqualTo(preset.architecture());
        assertThat(progress).last().isEqualTo(preset.parameterCount());

        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = LlamaModel.load(dir, 128, DataType.FLOAT32, root);
                NDManager step = root.newSubManager()) {
            KvCache cache = new KvCache(model.config(), 4, 16, DataType.FLOAT32, model.manager());
            StepInput prompt = StepInput.builder(16).add(new int[] {1, 5, 9, 300, 7}, 0, new int[] {0}).build();
            NDArray logits = model.forward(prompt, cache, step);
            assertThat(logits.getShape()).isEqualTo(new Shape(1, preset.vocabSize()));
            for (float v : logits.toFloatArray()) {
                assertThat(Float.isFinite(v)).as("finite logit").isTrue();
            }
            assertThat(logits.max().getFloat()).isGreaterThan(logits.min().getFloat());
        }
    }

    @Test
    void safetensorsHoldExactlyThePresetTensors(@TempDir Path dir) throws Exception {
        SynthPreset preset = SynthPreset.named("tiny-qwen2");
        SyntheticCheckpoint.write(preset, dir, 1, false, (done, total) -> {});
        Path file = dir.resolve("model.safetensors");
        JsonNode header = header(file);
        Set<String> names = new HashSet<>();
        long params = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                names.add(e.getKey());
                long size = 1;
                for (JsonNode d : e.getValue().get("shape")) {
                    size *= d.asLong();
                }
                params += size;
            }
        }
        assertThat(names).contains("model.embed_tokens.weight", "model.layers.3.self_attn.k_proj.bias",
                "model.layers.3.mlp.down_proj.weight", "model.norm.weight").doesNotContain("lm_head.weight");
        assertThat(names).hasSize(preset.tensors().size());
        assertThat(params).isEqualTo(preset.parameterCount());
        assertThat(Files.size(file)).isEqualTo(8 + headerLength(file) + 4 * params);
    }

    @Test
    void theSameSeedWritesTheSameWeightsAndAnotherSeedOthers(@TempDir Path dir) throws Exception {
        SynthPreset tiny = SynthPreset.named("tiny");
        SyntheticCheckpoint.write(tiny, dir.resolve("a"), 3, false, (done, total) -> {});
        SyntheticCheckpoint.write(tiny, dir.resolve("b"), 3, false, (done, total) -> {});
        SyntheticCheckpoint.write(tiny, dir.resolve("c"), 4, false, (done, total) -> {});
        byte[] a = Files.readAllBytes(dir.resolve("a/model.safetensors"));
        assertThat(Files.readAllBytes(dir.resolve("b/model.safetensors"))).isEqualTo(a);
        assertThat(Files.readAllBytes(dir.resolve("c/model.safetensors"))).isNotEqualTo(a);
    }

    @Test
    void tokenizerHasTheModelsVocabularyAndRoundTripsAnyText(@TempDir Path dir) throws Exception {
        SynthPreset preset = SynthPreset.named("tiny");
        SyntheticCheckpoint.write(preset, dir, 1, false, (done, total) -> {});
        JsonNode vocab = new ObjectMapper().readTree(dir.resolve("tokenizer.json").toFile()).path("model").path("vocab");
        Set<Integer> ids = new HashSet<>();
        vocab.forEach(id -> ids.add(id.asInt()));
        assertThat(vocab.size()).isEqualTo(preset.vocabSize());
        assertThat(ids).hasSize(preset.vocabSize()).allMatch(id -> id >= 0 && id < preset.vocabSize());

        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir)) {
            String english = "The miller and the children carried water to the town.";
            long[] englishIds = tokenizer.encode(english).getIds();
            assertThat(englishIds[0]).isEqualTo(SynthPreset.BOS_ID);
            assertThat(englishIds.length).as("learned merges make words shorter than their letters")
                    .isLessThan(english.length() / 2);
            for (String text : List.of(english, "Grüße aus Zürich — 日本語, emoji 🙂!",
                    "  two  leading spaces\nnew line\ttab {json: [1, 2]} ~`@#$%^&*")) {
                long[] encoded = tokenizer.encode(text).getIds();
                assertThat(Arrays.stream(encoded).allMatch(id -> id >= 0 && id < preset.vocabSize())).isTrue();
                assertThat(tokenizer.decode(encoded, true)).isEqualTo(text);
            }
            assertThat(tokenizer.decode(new long[] {preset.vocabSize() - 1}, false)).isNotEmpty();
        }
    }

    @Test
    void everyPresetsTokenizerHasExactlyItsVocabularySize() {
        for (SynthPreset preset : SynthPreset.ALL) {
            assertThat(SynthTokenizer.create(preset.vocabSize()).vocabSize()).as(preset.name())
                    .isEqualTo(preset.vocabSize());
        }
        assertThatThrownBy(() -> SynthTokenizer.create(200)).hasMessageContaining("too small");
    }

    @Test
    void presetsHaveThePublishedModelsParameterCounts() {
        // Counted by hand from the shapes: embedding + layers (attention, MLP, two norms) + final norm.
        long llama110m = 32000L * 768 + 12 * (768L * 768 * 2 + 768L * 256 * 2 + 3L * 768 * 2048 + 2 * 768) + 768;
        assertThat(SynthPreset.named("llama-110m").parameterCount()).isEqualTo(llama110m).isEqualTo(100_092_672L);
        // SmolLM2-135M has 134,515,008 parameters and Qwen2.5-0.5B 494,032,768 (tied embeddings).
        assertThat(SynthPreset.named("smollm2-135m").parameterCount()).isEqualTo(134_515_008L);
        assertThat(SynthPreset.named("qwen2.5-0.5b").parameterCount()).isEqualTo(494_032_768L);
        assertThat(SynthPreset.named("tiny").parameterCount()).isBetween(100_000L, 1_000_000L);
        assertThatThrownBy(() -> SynthPreset.named("gpt-5")).hasMessageContaining("llama-110m");
    }

    @Test
    void theMoePresetHasLlama110mActiveParameters(@TempDir Path dir) throws Exception {
        ModelConfig dense = configOf(SynthPreset.named("llama-110m"), dir.resolve("dense"));
        ModelConfig moe = configOf(SynthPreset.named("mixtral-8x-110m"), dir.resolve("moe"));
        assertThat(moe.moe().topK() * moe.moe().expertIntermediateSize()).isEqualTo(dense.intermediateSize());
        // The same multiplies per token, plus the router's 8 x 768 per layer.
        assertThat(moe.matmulParameters() - dense.matmulParameters()).isEqualTo(12L * 8 * 768);
        // llama-110m's MLP replaced by 8 experts of half its size and a router, in each of 12 layers.
        long experts = 12 * (8 * 3L * 768 * 1024 + 8 * 768 - 3L * 768 * 2048);
        assertThat(SynthPreset.named("mixtral-8x-110m").parameterCount()).isEqualTo(100_092_672L + experts)
                .isEqualTo(270_035_712L);
    }

    private static ModelConfig configOf(SynthPreset preset, Path dir) throws Exception {
        Files.createDirectories(dir);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), preset.configJson("float32"));
        return ModelConfig.load(dir);
    }

    private static long headerLength(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len);
            return len.flip().getLong();
        }
    }

    private static JsonNode header(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer bytes = ByteBuffer.allocate((int) headerLength(file));
            ch.read(bytes, 8);
            return new ObjectMapper().readTree(bytes.array());
        }
    }
}
