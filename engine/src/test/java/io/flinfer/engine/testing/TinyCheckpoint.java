package io.flinfer.engine.testing;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.model.Bfloat16;
import io.flinfer.engine.model.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A tiny Llama-family checkpoint with random weights, written by the test in Hugging Face layout.
 * It keeps the weights as float arrays so an independent reference can run the same model.
 */
public final class TinyCheckpoint {
    public final ObjectNode config;
    public final Map<String, float[]> weights = new LinkedHashMap<>();
    public final Map<String, long[]> shapes = new LinkedHashMap<>();
    public final boolean bf16;

    private TinyCheckpoint(ObjectNode config, boolean bf16) {
        this.config = config;
        this.bf16 = bf16;
    }

    /**
     * A variant: model type, heads, KV heads, head size, and the switches that differ. The model type
     * picks the family's tensors and fields: "phi3" fused q/k/v and gate/up; "mixtral", "qwen2_moe"
     * and "qwen3_moe" a mixture of {@link #EXPERTS} experts, top 2 (see {@link #random}).
     * {@code partialRotary} is Phi-3's partial_rotary_factor. {@code slidingWindow} (0: none) is the
     * sliding_window of a family that is not Gemma (which has its own, see {@link #addGemmaFields}):
     * every layer of Mistral, Mixtral and Phi-3, layer 1 of Qwen2 (use_sliding_window,
     * max_window_layers 1).
     */
    public record Variant(String name, String modelType, int heads, int kvHeads, int headDim, boolean tied,
            boolean bf16, String ropeScaling, double partialRotary, int slidingWindow) {
        public Variant(String name, String modelType, int heads, int kvHeads, int headDim, boolean tied, boolean bf16,
                String ropeScaling) {
            this(name, modelType, heads, kvHeads, headDim, tied, bf16, ropeScaling, 1.0, 0);
        }

        public Variant(String name, String modelType, int heads, int kvHeads, int headDim, boolean tied, boolean bf16,
                String ropeScaling, double partialRotary) {
            this(name, modelType, heads, kvHeads, headDim, tied, bf16, ropeScaling, partialRotary, 0);
        }

        /** This variant with a sliding window of {@code size} positions, named {@code name}. */
        public Variant withWindow(String name, int size) {
            return new Variant(name, modelType, heads, kvHeads, headDim, tied, bf16, ropeScaling, partialRotary, size);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Experts of the tiny mixtures: with 2 per token, a step of 4 tokens leaves at least 4 of them
     * without a token.
     */
    public static final int EXPERTS = 12;
    private static final int EXPERT_INTERMEDIATE = 32;
    private static final int SHARED_INTERMEDIATE = 64;

    public static TinyCheckpoint random(Variant v, long seed) {
        return random(v, seed, 48, 96);
    }

    /** A variant with a hidden and an intermediate size of its own (each layer's matrix shapes). */
    public static TinyCheckpoint random(Variant v, long seed, int hidden, int inter) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        int vocab = 512;
        int layers = 2;
        c.put("model_type", v.modelType()).put("hidden_size", hidden).put("intermediate_size", inter)
                .put("num_hidden_layers", layers).put("num_attention_heads", v.heads())
                .put("num_key_value_heads", v.kvHeads()).put("head_dim", v.headDim()).put("vocab_size", vocab)
                .put("max_position_embeddings", 512).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0)
                .put("tie_word_embeddings", v.tied()).put("bos_token_id", 1).put("eos_token_id", 2);
        if ("llama3".equals(v.ropeScaling())) {
            c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                    .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 64);
        } else if ("linear".equals(v.ropeScaling())) {
            c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
        } else if ("longrope".equals(v.ropeScaling())) {
            // Positions from 16 on take the long factors; max 512 over original 16 scales cos and sin.
            c.put("original_max_position_embeddings", 16);
            ObjectNode rope = c.putObject("rope_scaling").put("type", "longrope");
            int pairs = (int) (v.headDim() * v.partialRotary()) / 2;
            for (int j = 0; j < pairs; j++) {
                rope.withArray("short_factor").add(1.0 + 0.1 * j);
                rope.withArray("long_factor").add(1.0 + 1.5 * j);
            }
        }
        if (v.partialRotary() != 1.0) {
            c.put("partial_rotary_factor", v.partialRotary());
        }
        addExpertFields(c, v.modelType());
        addGemmaFields(c, v.modelType());
        if (v.slidingWindow() > 0) {
            c.put("sliding_window", v.slidingWindow());
            if (v.modelType().equals("qwen2")) {
                c.put("use_sliding_window", true).put("max_window_layers", 1);
            }
        }
        TinyCheckpoint ckpt = new TinyCheckpoint(c, v.bf16());
        Random rnd = new Random(seed);
        int q = v.heads() * v.headDim();
        int kv = v.kvHeads() * v.headDim();
        ckpt.add("model.embed_tokens.weight", rnd, 1.0f, vocab, hidden);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            ckpt.addNorm(p + "input_layernorm.weight", rnd, hidden);
            boolean phi3 = v.modelType().equals("phi3");
            if (phi3) {
                ckpt.add(p + "self_attn.qkv_proj.weight", rnd, 0.3f, q + 2 * kv, hidden);
            } else {
                ckpt.add(p + "self_attn.q_proj.weight", rnd, 0.3f, q, hidden);
                ckpt.add(p + "self_attn.k_proj.weight", rnd, 0.3f, kv, hidden);
                ckpt.add(p + "self_attn.v_proj.weight", rnd, 0.3f, kv, hidden);
            }
            if (v.modelType().startsWith("qwen2")) {
                ckpt.add(p + "self_attn.q_proj.bias", rnd, 0.5f, q);
                ckpt.add(p + "self_attn.k_proj.bias", rnd, 0.5f, kv);
                ckpt.add(p + "self_attn.v_proj.bias", rnd, 0.5f, kv);
            }
            if (v.modelType().startsWith("qwen3") || v.modelType().equals("gemma3_text")) {
                ckpt.addNorm(p + "self_attn.q_norm.weight", rnd, v.headDim());
                ckpt.addNorm(p + "self_attn.k_norm.weight", rnd, v.headDim());
            }
            ckpt.add(p + "self_attn.o_proj.weight", rnd, 0.3f, hidden, q);
            ckpt.addNorm(p + "post_attention_layernorm.weight", rnd, hidden);
            if (v.modelType().startsWith("gemma")) {
                ckpt.addNorm(p + "pre_feedforward_layernorm.weight", rnd, hidden);
                ckpt.addNorm(p + "post_feedforward_layernorm.weight", rnd, hidden);
            }
            if (isSparse(c, l)) {
                ckpt.addExperts(v.modelType(), p, rnd, hidden);
            } else if (phi3) {
                ckpt.add(p + "mlp.gate_up_proj.weight", rnd, 0.3f, 2 * inter, hidden);
                ckpt.add(p + "mlp.down_proj.weight", rnd, 0.3f, hidden, inter);
            } else {
                ckpt.addMlp(p + "mlp.", "gate_proj", "up_proj", "down_proj", rnd, hidden, inter);
            }
        }
        ckpt.addNorm("model.norm.weight", rnd, hidden);
        if (!v.tied()) {
            ckpt.add("lm_head.weight", rnd, 0.3f, vocab, hidden);
        }
        return ckpt;
    }

    /**
     * Mixtral: every layer sparse, experts of intermediate_size. Qwen3-MoE: layer 0 dense through
     * mlp_only_layers, renormalized top-k. Qwen2-MoE: layer 0 dense through decoder_sparse_step 2, a
     * shared expert, top-k weights as the softmax gives them.
     */
    private static void addExpertFields(ObjectNode c, String type) {
        switch (type) {
            case "mixtral" -> c.put("num_local_experts", EXPERTS).put("num_experts_per_tok", 2)
                    .put("intermediate_size", EXPERT_INTERMEDIATE);
            case "qwen3_moe" -> {
                c.put("num_experts", EXPERTS).put("num_experts_per_tok", 2).put("moe_intermediate_size", EXPERT_INTERMEDIATE)
                        .put("norm_topk_prob", true).put("decoder_sparse_step", 1);
                c.putArray("mlp_only_layers").add(0);
            }
            case "qwen2_moe" -> c.put("num_experts", EXPERTS).put("num_experts_per_tok", 2)
                    .put("moe_intermediate_size", EXPERT_INTERMEDIATE).put("norm_topk_prob", false)
                    .put("decoder_sparse_step", 2).put("shared_expert_intermediate_size", SHARED_INTERMEDIATE);
            default -> { }
        }
    }

    /**
     * Gemma: windows shorter than the test's prompts (layer 0 slides, layer 1 is global), a query
     * scalar other than head_dim; Gemma 2's soft-caps low enough that tanh bends the scores and
     * logits; Gemma 3's local RoPE base apart from its global one.
     */
    private static void addGemmaFields(ObjectNode c, String type) {
        if (!type.startsWith("gemma")) {
            return;
        }
        c.put("hidden_activation", "gelu_pytorch_tanh").put("query_pre_attn_scalar", 24);
        if (type.equals("gemma2")) {
            c.put("sliding_window", 6).put("attn_logit_softcapping", 3.0).put("final_logit_softcapping", 5.0);
        } else {
            c.put("sliding_window", 5).put("sliding_window_pattern", 2).put("rope_local_base_freq", 100.0);
            c.putNull("attn_logit_softcapping");
            c.putNull("final_logit_softcapping");
        }
    }

    /** Whether layer l is a mixture of experts, by the rules of {@link #addExpertFields}. */
    private static boolean isSparse(ObjectNode c, int l) {
        String type = c.get("model_type").asText();
        return type.equals("mixtral") || (type.equals("qwen3_moe") && l != 0) || (type.equals("qwen2_moe") && l % 2 == 1);
    }

    private void addExperts(String type, String p, Random rnd, int hidden) {
        boolean mixtral = type.equals("mixtral");
        String moe = p + (mixtral ? "block_sparse_moe." : "mlp.");
        add(moe + "gate.weight", rnd, 0.3f, EXPERTS, hidden);
        for (int e = 0; e < EXPERTS; e++) {
            String expert = moe + "experts." + e + ".";
            if (mixtral) {
                addMlp(expert, "w1", "w3", "w2", rnd, hidden, EXPERT_INTERMEDIATE);
            } else {
                addMlp(expert, "gate_proj", "up_proj", "down_proj", rnd, hidden, EXPERT_INTERMEDIATE);
            }
        }
        if (type.equals("qwen2_moe")) {
            addMlp(moe + "shared_expert.", "gate_proj", "up_proj", "down_proj", rnd, hidden, SHARED_INTERMEDIATE);
            add(moe + "shared_expert_gate.weight", rnd, 0.3f, 1, hidden);
        }
    }

    private void addMlp(String prefix, String gate, String up, String down, Random rnd, int hidden, int inter) {
        add(prefix + gate + ".weight", rnd, 0.3f, inter, hidden);
        add(prefix + up + ".weight", rnd, 0.3f, inter, hidden);
        add(prefix + down + ".weight", rnd, 0.3f, hidden, inter);
    }

    private void add(String name, Random rnd, float scale, long... shape) {
        float[] w = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = round((float) rnd.nextGaussian() * scale);
        }
        weights.put(name, w);
        shapes.put(name, shape);
    }

    private void addNorm(String name, Random rnd, int size) {
        float[] w = new float[size];
        for (int i = 0; i < size; i++) {
            w[i] = round(1f + 0.2f * (float) rnd.nextGaussian());
        }
        weights.put(name, w);
        shapes.put(name, new long[] {size});
    }

    /** BF16 checkpoints hold values rounded to bfloat16; the reference sees the same values. */
    private float round(float x) {
        if (!bf16) {
            return x;
        }
        return Bfloat16.toFloat(Bfloat16.fromFloat(x));
    }

    /** Writes config.json, generation_config.json, model.safetensors and stories260K's tokenizer. */
    public Path write(Path dir, Path tokenizerSource) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
        Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": 2}");
        if (tokenizerSource != null) {
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                Files.copy(tokenizerSource.resolve(f), dir.resolve(f));
            }
        }
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        weights.forEach((name, w) -> tensors.put(name, new SafetensorsWriter.Tensor(w, shapes.get(name))));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, bf16);
        return dir;
    }
}
