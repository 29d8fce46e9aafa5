package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The config.json files of published checkpoints (transcribed from their Hugging Face model pages,
 * under test resources configs/) parse into the architecture each model card describes; families the
 * engine lacks a feature for are refused naming it.
 */
class PublishedConfigsParseTest {

    @Test
    void mixtral8x7bIsEightExpertsTopTwoRenormalized() throws IOException {
        ModelConfig c = parse("Mixtral-8x7B-Instruct-v0.1");
        assertThat(c.modelType()).isEqualTo("mixtral");
        assertThat(c.moe()).isEqualTo(new ModelConfig.MixtureOfExperts(8, 2, 14336, true, 0, 1, List.of()));
        assertThat(List.of(c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim()))
                .containsExactly(4096, 32, 32, 8, 128);
        assertThat(c.sparse(0)).isTrue();
        assertThat(c.sparse(31)).isTrue();
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.ropeTheta()).isEqualTo(1e6);
        // 12.9B active parameters of 46.7B (Mistral's announcement): embedding excluded, head included.
        assertThat(c.matmulParameters()).isBetween(12_500_000_000L, 13_000_000_000L);
    }

    @Test
    void qwen3_30bA3bIs128ExpertsTopEightWithQkNorm() throws IOException {
        ModelConfig c = parse("Qwen3-30B-A3B");
        assertThat(c.moe()).isEqualTo(new ModelConfig.MixtureOfExperts(128, 8, 768, true, 0, 1, List.of()));
        assertThat(List.of(c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim()))
                .containsExactly(2048, 48, 32, 4, 128);
        assertThat(c.qkNorm()).isTrue();
        assertThat(c.qkvBias()).isFalse();
        assertThat(c.sparse(0)).isTrue();
        // 3.3B activated (the model card), of which the 151936 x 2048 embedding is not multiplied.
        assertThat(c.matmulParameters()).isBetween(2_900_000_000L, 3_300_000_000L);
    }

    @Test
    void qwen15MoeHasASharedExpertAndUnnormalizedTopFour() throws IOException {
        ModelConfig c = parse("Qwen1.5-MoE-A2.7B");
        assertThat(c.modelType()).isEqualTo("qwen2_moe");
        assertThat(c.moe()).isEqualTo(new ModelConfig.MixtureOfExperts(60, 4, 1408, false, 5632, 1, List.of()));
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.qkNorm()).isFalse();
        assertThat(c.sparse(23)).isTrue();
        // 2.7B activated (the model card), embedding included there.
        assertThat(c.matmulParameters() + 151936L * 2048).isBetween(2_500_000_000L, 2_900_000_000L);
    }

    @Test
    void phi35MiniIsLongropeOverTheWholeHead() throws IOException {
        ModelConfig c = parse("Phi-3.5-mini-instruct");
        assertThat(c.modelType()).isEqualTo("phi3");
        assertThat(c.moe()).isNull();
        assertThat(List.of(c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.rotaryDim()))
                .containsExactly(3072, 32, 32, 32, 96, 96);
        ModelConfig.RopeScaling rope = c.ropeScaling();
        assertThat(rope.type()).isEqualTo("longrope");
        assertThat(rope.originalMaxPositionEmbeddings()).isEqualTo(4096);
        assertThat(rope.shortFactor()).hasSize(48).startsWith(1.0);
        assertThat(rope.longFactor()).hasSize(48).endsWith(64.83999633789062);
        // 131072 / 4096 = 32: sqrt(1 + ln 32 / ln 4096).
        assertThat(rope.attentionFactor()).isCloseTo(Math.sqrt(1 + Math.log(32) / Math.log(4096)),
                offset(1e-12));
        assertThat(c.tieWordEmbeddings()).isFalse();
    }

    @Test
    void phi4MiniRotatesThreeQuartersOfEachHead() throws IOException {
        ModelConfig c = parse("Phi-4-mini-instruct");
        assertThat(List.of(c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.rotaryDim()))
                .containsExactly(3072, 32, 24, 8, 128, 96);
        assertThat(c.ropeScaling().longFactor()).hasSize(48).endsWith(47.77);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.vocabSize()).isEqualTo(200064);
    }

    @Test
    void gemma3_1bSlidesFiveLayersOfSixWithALocalRopeBase() throws IOException {
        ModelConfig c = parse("gemma-3-1b-it");
        assertThat(List.of(c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim()))
                .containsExactly(1152, 26, 4, 1, 256);
        assertThat(c.qkNorm()).isTrue();
        ModelConfig.Gemma g = c.gemma();
        assertThat(c.slidingWindow().size()).isEqualTo(512);
        assertThat(globalLayers(c)).containsExactly(5, 11, 17, 23);
        assertThat(g.localRopeTheta()).isEqualTo(10000.0);
        assertThat(c.ropeTheta()).isEqualTo(1e6);
        assertThat(g.queryPreAttnScalar()).isEqualTo(256.0);
        assertThat(g.attnSoftcap()).isZero();
        assertThat(g.finalSoftcap()).isZero();
    }

    @Test
    void gemma2_2bAlternatesSlidingLayersAndSoftCaps() throws IOException {
        ModelConfig c = parse("gemma-2-2b-it");
        assertThat(List.of(c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim()))
                .containsExactly(2304, 26, 8, 4, 256);
        assertThat(c.qkNorm()).isFalse();
        ModelConfig.Gemma g = c.gemma();
        assertThat(c.slidingWindow().size()).isEqualTo(4096);
        assertThat(globalLayers(c)).containsExactly(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25);
        assertThat(g.attnSoftcap()).isEqualTo(50.0);
        assertThat(g.finalSoftcap()).isEqualTo(30.0);
        assertThat(g.localRopeTheta()).isEqualTo(c.ropeTheta()).isEqualTo(10000.0);
    }

    @Test
    void gemma3LayerTypesNameTheSlidingLayers() throws IOException {
        ObjectNode c = (ObjectNode) read("gemma-3-1b-it");
        ArrayNode types = c.putArray("layer_types");
        for (int l = 0; l < 26; l++) {
            types.add(l % 2 == 0 ? "full_attention" : "sliding_attention");
        }
        assertThat(globalLayers(ModelConfig.parse(c))).hasSize(13).startsWith(0, 2, 4);
    }

    @Test
    void mistralStyleWindowsSlideEveryLayerAndNullOrOversizedOnesNone() throws IOException {
        // Mixtral-8x7B-Instruct-v0.1 and Phi-3.5-mini: null, and 262144 over 131072 positions.
        assertThat(parse("Mixtral-8x7B-Instruct-v0.1").slidingWindow()).isNull();
        assertThat(parse("Phi-3.5-mini-instruct").slidingWindow()).isNull();
        // Mistral-7B-v0.1's and Phi-3-mini-4k's windows: every layer slides.
        ObjectNode mixtral = (ObjectNode) read("Mixtral-8x7B-Instruct-v0.1");
        mixtral.put("sliding_window", 4096);
        ModelConfig.SlidingWindow w = ModelConfig.parse(mixtral).slidingWindow();
        assertThat(w.size()).isEqualTo(4096);
        assertThat(w.everyLayer()).isTrue();
        ObjectNode phi3 = (ObjectNode) read("Phi-3.5-mini-instruct");
        phi3.put("sliding_window", 2047).put("max_position_embeddings", 4096);
        assertThat(ModelConfig.parse(phi3).slidingWindow().size()).isEqualTo(2047);
    }

    @Test
    void qwenSlidesOnlyWithUseSlidingWindowFromMaxWindowLayersOn() throws IOException {
        // Qwen1.5-MoE-A2.7B: sliding_window 32768 but use_sliding_window false.
        assertThat(parse("Qwen1.5-MoE-A2.7B").slidingWindow()).isNull();
        ObjectNode qwen = (ObjectNode) read("Qwen1.5-MoE-A2.7B");
        qwen.put("use_sliding_window", true).put("sliding_window", 4096);
        ModelConfig c = ModelConfig.parse(qwen);
        assertThat(globalLayers(c)).isEqualTo(IntStream.range(0, 21).boxed().toList());
        assertThat(c.slidingWindow().everyLayer()).isFalse();
    }

    @Test
    void gemma3WithItsVisionTowerIsRefused() {
        ObjectMapper json = new ObjectMapper();
        assertThatThrownBy(() -> ModelConfig.parse(json.createObjectNode().put("model_type", "gemma3")))
                .hasMessageContaining("vision tower");
    }

    private static List<Integer> globalLayers(ModelConfig c) {
        boolean[] sliding = c.slidingWindow().layers();
        return IntStream.range(0, sliding.length).filter(l -> !sliding[l]).boxed().toList();
    }

    @Test
    void deepSeekIsRefusedNamingLatentAttention() {
        ObjectMapper json = new ObjectMapper();
        assertThatThrownBy(() -> ModelConfig.parse(json.createObjectNode().put("model_type", "deepseek_v3")))
                .hasMessageContaining("multi-head latent attention");
    }

    @Test
    void aLongropeFactorListOfTheWrongLengthIsRefused() throws IOException {
        JsonNode c = read("Phi-4-mini-instruct");
        ((ObjectNode) c).put("partial_rotary_factor", 1.0);
        assertThatThrownBy(() -> ModelConfig.parse(c)).hasMessageContaining("must list 64 factors");
    }

    @Test
    void theLoadTimeForwardStepRunsTwoLayersOrTheFewestThatHoldEveryKind() throws IOException {
        // Gemma 3 1B: five sliding layers, then its first global one; Gemma 2: sliding, global.
        assertThat(FastPathCheck.stepLayers(parse("gemma-3-1b-it"))).isEqualTo(6);
        assertThat(FastPathCheck.stepLayers(parse("gemma-2-2b-it"))).isEqualTo(2);
        // One kind of layer: two, so each shape's product also runs on a second matrix.
        assertThat(FastPathCheck.stepLayers(parse("Mixtral-8x7B-Instruct-v0.1"))).isEqualTo(2);
    }

    private static ModelConfig parse(String model) throws IOException {
        return ModelConfig.parse(read(model));
    }

    private static JsonNode read(String model) throws IOException {
        try (InputStream in = PublishedConfigsParseTest.class.getResourceAsStream("configs/" + model + ".json")) {
            return new ObjectMapper().readTree(in);
        }
    }
}
