package io.flinfer.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The architecture of a Llama-family checkpoint, read from its Hugging Face {@code config.json}.
 * The variants differ only in a few switches: q/k/v bias (Qwen2), q/k RMSNorm (Qwen3), tied output
 * head, how RoPE frequencies are scaled and how many dimensions of a head they rotate (Phi-3),
 * whether MLPs are mixtures of experts (Mixtral, Qwen2-MoE, Qwen3-MoE), Gemma's differences, and
 * which layers attend through a sliding window.
 */
public record ModelConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean qkNorm,
        int rotaryDim,
        MixtureOfExperts moe,
        Gemma gemma,
        SlidingWindow slidingWindow) {

    public static final List<String> SUPPORTED_TYPES = List.of(
            "llama", "mistral", "qwen2", "qwen3", "phi3", "mixtral", "qwen2_moe", "qwen3_moe", "gemma2", "gemma3_text");

    /**
     * Families refused with the feature they need, rather than as unknown types: the message says
     * what is missing.
     */
    private static final Map<String, String> REFUSED = Map.of(
            "deepseek_v2", "DeepSeek's multi-head latent attention",
            "deepseek_v3", "DeepSeek's multi-head latent attention",
            "gemma", "Gemma 1's architecture (Gemma 2 and Gemma 3 text models are supported)",
            "gemma3", "Gemma 3's vision tower (the text-only gemma3_text checkpoints, such as gemma-3-1b, run)",
            "mllama", "Llama 3.2 Vision's cross-attention vision tower",
            "qwen2_vl", "Qwen2-VL's vision tower");

    /**
     * RoPE frequency scaling: {@code type} is "llama3", "linear" or "longrope" (Phi-3: per-frequency
     * short and long factors, and cos/sin scaled by {@code attentionFactor}); null scaling means none.
     */
    public record RopeScaling(
            String type, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositionEmbeddings, double[] shortFactor, double[] longFactor, double attentionFactor) {}

    /**
     * A sparse MLP: a router picks {@code topK} of {@code numExperts} experts per token, and
     * {@code normTopkProb} renormalizes their softmax weights to sum to 1 (Mixtral always does).
     * Qwen2-MoE adds a shared expert of {@code sharedIntermediateSize} (0: none) behind a sigmoid
     * gate. Layer {@code l} is sparse when {@code (l + 1) % sparseStep == 0} and it is not one of
     * {@code denseLayers}; the others have a dense MLP of the model's intermediate size.
     */
    public record MixtureOfExperts(
            int numExperts, int topK, int expertIntermediateSize, boolean normTopkProb, int sharedIntermediateSize,
            int sparseStep, List<Integer> denseLayers) {
        public boolean sparse(int layer) {
            return !denseLayers.contains(layer) && (layer + 1) % sparseStep == 0;
        }
    }

    /**
     * Gemma 2 and Gemma 3 (text): every RMSNorm scales by {@code 1 + w}, the embedding is multiplied
     * by sqrt(hidden), the MLP's activation is GELU-tanh, attention scales by
     * {@code queryPreAttnScalar^-0.5}, and the attention output and MLP output are normalized before
     * their residual adds. Its sliding layers ({@link SlidingWindow}) rotate with
     * {@code localRopeTheta} (Gemma 3's rope_local_base_freq, without scaling). A soft-cap of 0 is none.
     */
    public record Gemma(double queryPreAttnScalar, double attnSoftcap, double finalSoftcap, double localRopeTheta) {}

    /**
     * Layers {@code layers[l]} attend only to the last {@code size} positions: a query at position p
     * sees keys p - size + 1 .. p (transformers' and vLLM's convention). Gemma slides some layers;
     * Mistral, Mixtral and Phi-3 every layer; Qwen2/Qwen3 (with {@code use_sliding_window}) the layers
     * from {@code max_window_layers} on.
     */
    public record SlidingWindow(int size, boolean[] layers) {
        /** Whether every layer slides, so that a key out of the window is read by none. */
        public boolean everyLayer() {
            for (boolean sliding : layers) {
                if (!sliding) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Whether layer {@code layer}'s MLP is a mixture of experts. */
    public boolean sparse(int layer) {
        return moe != null && moe.sparse(layer);
    }

    /** Whether layer {@code layer} attends only to a sliding window of the latest positions. */
    public boolean sliding(int layer) {
        return slidingWindow != null && slidingWindow.layers()[layer];
    }

    public int qSize() {
        return numHeads * headDim;
    }

    public int kvSize() {
        return numKvHeads * headDim;
    }

    /**
     * Parameters in the matrix multiplies of one token's forward pass (for FLOP counting): of a
     * mixture of experts, the router, the {@code topK} experts a token takes and the shared expert.
     */
    public long matmulParameters() {
        long attention = (long) hiddenSize * (qSize() + 2L * kvSize()) + (long) qSize() * hiddenSize;
        long total = (long) hiddenSize * vocabSize;
        for (int l = 0; l < numLayers; l++) {
            total += attention;
            if (sparse(l)) {
                total += (long) hiddenSize * (moe.numExperts() + 3L * moe.topK() * moe.expertIntermediateSize()
                        + 3L * moe.sharedIntermediateSize() + (moe.sharedIntermediateSize() > 0 ? 1 : 0));
            } else {
                total += 3L * hiddenSize * intermediateSize;
            }
        }
        return total;
    }

    public static ModelConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "no config.json in model folder " + modelDir
                            + ": a Hugging Face checkpoint folder needs config.json, *.safetensors and tokenizer.json");
        }
        try {
            return parse(new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static ModelConfig parse(JsonNode c) {
        String type = c.path("model_type").asText("");
        if (REFUSED.containsKey(type)) {
            throw new IllegalArgumentException("model_type '" + type + "' needs " + REFUSED.get(type)
                    + ", which this engine does not implement yet; supported: " + String.join(", ", SUPPORTED_TYPES));
        }
        if (!SUPPORTED_TYPES.contains(type)) {
            throw new IllegalArgumentException(
                    "unsupported model_type '" + type + "'; supported: " + String.join(", ", SUPPORTED_TYPES));
        }
        int hidden = required(c, "hidden_size");
        int heads = required(c, "num_attention_heads");
        int kvHeads = c.path("num_key_value_heads").asInt(heads);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        JsonNode headDimNode = c.path("head_dim");
        int headDim = headDimNode.isInt() ? headDimNode.asInt() : hidden / heads;
        boolean qwen2 = type.equals("qwen2") || type.equals("qwen2_moe");
        double rotaryFraction = c.path("partial_rotary_factor").asDouble(1.0);
        int rotaryDim = (int) (headDim * rotaryFraction);
        if (rotaryDim % 2 != 0 || rotaryDim <= 0 || rotaryDim > headDim) {
            throw new IllegalArgumentException("partial_rotary_factor " + rotaryFraction + " of head_dim " + headDim
                    + " gives " + rotaryDim + " rotated dimensions; they must be even and at most head_dim");
        }
        return new ModelConfig(
                type,
                hidden,
                required(c, "intermediate_size"),
                required(c, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                required(c, "vocab_size"),
                c.path("max_position_embeddings").asInt(2048),
                c.path("rms_norm_eps").asDouble(1e-6),
                c.path("rope_theta").asDouble(10000.0),
                ropeScaling(c, rotaryDim),
                c.path("tie_word_embeddings").asBoolean(false),
                qwen2 || c.path("attention_bias").asBoolean(false),
                type.equals("qwen3") || type.equals("qwen3_moe") || type.equals("gemma3_text"),
                rotaryDim,
                mixtureOfExperts(c, type),
                type.startsWith("gemma") ? gemma(c, headDim) : null,
                slidingWindow(c, type));
    }

    private static Gemma gemma(JsonNode c, int headDim) {
        return new Gemma(
                c.path("query_pre_attn_scalar").asDouble(headDim),
                c.path("attn_logit_softcapping").asDouble(0),
                c.path("final_logit_softcapping").asDouble(0),
                c.path("rope_local_base_freq").asDouble(c.path("rope_theta").asDouble(10000.0)));
    }

    /**
     * The sliding layers as each family names them, or null for none. A config's layer_types list
     * names them where it has one ("sliding_attention"); otherwise Gemma 3 slides 5 layers of 6 (its
     * sliding_window_pattern), Gemma 2 alternates from layer 0, Mistral, Mixtral and Phi-3 slide every
     * layer when sliding_window is set (null: none), and Qwen2/Qwen3 only with use_sliding_window,
     * from layer max_window_layers (default 28) on, as transformers' configs derive them. A window at
     * least max_position_embeddings long never hides a key and is none (Phi-3.5-mini's 262144).
     */
    private static SlidingWindow slidingWindow(JsonNode c, String type) {
        boolean gemma = type.startsWith("gemma");
        boolean qwen = type.startsWith("qwen");
        if (!gemma && (!c.hasNonNull("sliding_window") || (qwen && !c.path("use_sliding_window").asBoolean(false)))) {
            return null;
        }
        int size = required(c, "sliding_window");
        if (size < 1) {
            throw new IllegalArgumentException("sliding_window must be at least 1, not " + size);
        }
        if (!gemma && size >= c.path("max_position_embeddings").asInt(Integer.MAX_VALUE)) {
            return null;
        }
        int layers = required(c, "num_hidden_layers");
        boolean[] sliding = new boolean[layers];
        JsonNode types = c.path("layer_types");
        int pattern = c.path("sliding_window_pattern").asInt(6);
        int firstQwen = c.path("max_window_layers").asInt(28);
        for (int l = 0; l < layers; l++) {
            sliding[l] = types.isArray() ? types.path(l).asText().equals("sliding_attention")
                    : type.equals("gemma2") ? l % 2 == 0
                    : type.equals("gemma3_text") ? (l + 1) % pattern != 0
                    : !qwen || l >= firstQwen;
        }
        return new SlidingWindow(size, sliding);
    }

    /** The expert fields as each family names them; null for a dense model. */
    private static MixtureOfExperts mixtureOfExperts(JsonNode c, String type) {
        switch (type) {
            case "mixtral":
                return new MixtureOfExperts(required(c, "num_local_experts"), required(c, "num_experts_per_tok"),
                        required(c, "intermediate_size"), true, 0, 1, List.of());
            case "qwen2_moe":
            case "qwen3_moe":
                List<Integer> dense = new ArrayList<>();
                c.path("mlp_only_layers").forEach(layer -> dense.add(layer.asInt()));
                int step = c.path("decoder_sparse_step").asInt(1);
                if (step < 1) {
                    throw new IllegalArgumentException("decoder_sparse_step must be at least 1, not " + step);
                }
                return new MixtureOfExperts(required(c, "num_experts"), required(c, "num_experts_per_tok"),
                        required(c, "moe_intermediate_size"), c.path("norm_topk_prob").asBoolean(false),
                        type.equals("qwen2_moe") ? required(c, "shared_expert_intermediate_size") : 0, step,
                        List.copyOf(dense));
            default:
                return null;
        }
    }

    private static RopeScaling ropeScaling(JsonNode c, int rotaryDim) {
        JsonNode s = c.path("rope_scaling");
        if (s.isMissingNode() || s.isNull()) {
            return null;
        }
        String type = s.hasNonNull("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("");
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("llama3") && !type.equals("linear") && !type.equals("longrope")) {
            throw new IllegalArgumentException(
                    "unsupported rope_scaling type '" + type + "'; supported: llama3, linear, longrope");
        }
        if (type.equals("longrope")) {
            return longRope(c, s, rotaryDim);
        }
        return new RopeScaling(
                type,
                s.path("factor").asDouble(1.0),
                s.path("low_freq_factor").asDouble(1.0),
                s.path("high_freq_factor").asDouble(4.0),
                s.path("original_max_position_embeddings").asInt(8192),
                null, null, 1.0);
    }

    /**
     * Phi-3's longrope, as transformers' {@code _compute_longrope_parameters} reads it: the scale is
     * max_position_embeddings over original_max_position_embeddings, and cos/sin are multiplied by
     * {@code sqrt(1 + ln(scale) / ln(original))} unless the config names an attention factor.
     */
    private static RopeScaling longRope(JsonNode c, JsonNode s, int rotaryDim) {
        int original = c.path("original_max_position_embeddings").asInt(
                s.path("original_max_position_embeddings").asInt(0));
        if (original <= 0) {
            throw new IllegalArgumentException("longrope rope_scaling needs original_max_position_embeddings");
        }
        double[] shortFactor = factors(s, "short_factor", rotaryDim);
        double[] longFactor = factors(s, "long_factor", rotaryDim);
        double scale = (double) c.path("max_position_embeddings").asInt(original) / original;
        double attention = s.hasNonNull("attention_factor") ? s.get("attention_factor").asDouble()
                : scale <= 1 ? 1.0 : Math.sqrt(1 + Math.log(scale) / Math.log(original));
        return new RopeScaling("longrope", scale, 1.0, 1.0, original, shortFactor, longFactor, attention);
    }

    private static double[] factors(JsonNode s, String field, int rotaryDim) {
        JsonNode list = s.path(field);
        if (!list.isArray() || list.size() != rotaryDim / 2) {
            throw new IllegalArgumentException("longrope rope_scaling." + field + " must list " + rotaryDim / 2
                    + " factors (half the rotated dimensions), not " + (list.isArray() ? list.size() : "none"));
        }
        double[] factors = new double[list.size()];
        for (int i = 0; i < factors.length; i++) {
            factors[i] = list.get(i).asDouble();
        }
        return factors;
    }

    private static int required(JsonNode c, String field) {
        if (!c.path(field).canConvertToInt()) {
            throw new IllegalArgumentException("config.json lacks the integer field '" + field + "'");
        }
        return c.get(field).asInt();
    }
}
