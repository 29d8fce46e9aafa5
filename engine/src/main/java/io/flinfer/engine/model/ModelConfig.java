package io.flinfer.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The architecture of a Llama-family checkpoint, read from its Hugging Face {@code config.json}.
 * The variants differ only in a few switches: q/k/v bias (Qwen2), q/k RMSNorm (Qwen3), tied output
 * head, and how RoPE frequencies are scaled.
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
        boolean qkNorm) {

    public static final List<String> SUPPORTED_TYPES = List.of("llama", "mistral", "qwen2", "qwen3");

    /** RoPE frequency scaling: {@code type} is "llama3" or "linear"; null scaling means none. */
    public record RopeScaling(
            String type, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositionEmbeddings) {}

    public int qSize() {
        return numHeads * headDim;
    }

    public int kvSize() {
        return numKvHeads * headDim;
    }

    /** Parameters in the matrix multiplies of one token's forward pass (for FLOP counting). */
    public long matmulParameters() {
        long attention = (long) hiddenSize * (qSize() + 2L * kvSize()) + (long) qSize() * hiddenSize;
        long mlp = 3L * hiddenSize * intermediateSize;
        return numLayers * (attention + mlp) + (long) hiddenSize * vocabSize;
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
        boolean qwen2 = type.equals("qwen2");
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
                ropeScaling(c.path("rope_scaling")),
                c.path("tie_word_embeddings").asBoolean(false),
                qwen2 || c.path("attention_bias").asBoolean(false),
                type.equals("qwen3"));
    }

    private static RopeScaling ropeScaling(JsonNode s) {
        if (s.isMissingNode() || s.isNull()) {
            return null;
        }
        String type = s.hasNonNull("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("");
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("llama3") && !type.equals("linear")) {
            throw new IllegalArgumentException(
                    "unsupported rope_scaling type '" + type + "'; supported: llama3, linear");
        }
        return new RopeScaling(
                type,
                s.path("factor").asDouble(1.0),
                s.path("low_freq_factor").asDouble(1.0),
                s.path("high_freq_factor").asDouble(4.0),
                s.path("original_max_position_embeddings").asInt(8192));
    }

    private static int required(JsonNode c, String field) {
        if (!c.path(field).canConvertToInt()) {
            throw new IllegalArgumentException("config.json lacks the integer field '" + field + "'");
        }
        return c.get(field).asInt();
    }
}
