package io.flinfer.engine.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.model.SafetensorsWriter.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of a synthetic model: a Llama-family architecture with the sizes of a published
 * checkpoint, so benchmarks on random weights cost what the real model costs. Tensors and
 * config.json fields are named as each family's Hugging Face checkpoints name them.
 */
public record SynthPreset(
        String name,
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int vocabSize,
        int maxPositionEmbeddings,
        double ropeTheta,
        double rmsNormEps,
        Experts experts) {

    /**
     * A mixture of experts: {@code count} experts of {@code intermediate} each, {@code topK} per
     * token, and for Qwen2-MoE a shared expert of {@code sharedIntermediate}. The model's own
     * intermediate size is then that of its dense layers (Qwen's mlp_only_layers; none here).
     */
    public record Experts(int count, int topK, int intermediate, int sharedIntermediate) {}

    /** A dense preset. */
    public SynthPreset(String name, String modelType, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
            int numKvHeads, int vocabSize, int maxPositionEmbeddings, double ropeTheta, double rmsNormEps) {
        this(name, modelType, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, vocabSize,
                maxPositionEmbeddings, ropeTheta, rmsNormEps, null);
    }

    /** Ids of the tokenizer's special tokens, the first three entries of every synthetic vocabulary. */
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;

    public static final List<SynthPreset> ALL = List.of(
            // A few hundred thousand parameters: for tests.
            new SynthPreset("tiny", "llama", 64, 192, 4, 4, 2, 1024, 2048, 10000.0, 1e-5),
            new SynthPreset("tiny-qwen2", "qwen2", 64, 192, 4, 4, 2, 1024, 2048, 1000000.0, 1e-6),
            new SynthPreset("tiny-phi3", "phi3", 64, 192, 4, 4, 2, 1024, 4096, 10000.0, 1e-5),
            // Gemma: sliding window 32; Gemma 3 with every other layer global.
            new SynthPreset("tiny-gemma2", "gemma2", 64, 192, 4, 4, 2, 1024, 2048, 10000.0, 1e-6),
            new SynthPreset("tiny-gemma3", "gemma3_text", 64, 192, 4, 4, 1, 1024, 2048, 1000000.0, 1e-6),
            new SynthPreset("tiny-mixtral", "mixtral", 64, 96, 4, 4, 2, 1024, 2048, 1000000.0, 1e-5,
                    new Experts(8, 2, 96, 0)),
            new SynthPreset("tiny-qwen3-moe", "qwen3_moe", 64, 192, 4, 4, 2, 1024, 2048, 1000000.0, 1e-6,
                    new Experts(8, 2, 48, 0)),
            new SynthPreset("tiny-qwen2-moe", "qwen2_moe", 64, 192, 4, 4, 2, 1024, 2048, 1000000.0, 1e-6,
                    new Experts(8, 2, 32, 128)),
            // The llama2.c "stories110M" sizes with grouped-query attention (4 KV heads).
            new SynthPreset("llama-110m", "llama", 768, 2048, 12, 12, 4, 32000, 2048, 10000.0, 1e-5),
            // llama-110m's attention and active MLP parameters as a Mixtral: 8 experts of half its MLP,
            // 2 per token (270M parameters in all), for the MoE benchmark.
            new SynthPreset("mixtral-8x-110m", "mixtral", 768, 1024, 12, 12, 4, 32000, 2048, 1000000.0, 1e-5,
                    new Experts(8, 2, 1024, 0)),
            // HuggingFaceTB/SmolLM2-135M's config.json.
            new SynthPreset("smollm2-135m", "llama", 576, 1536, 30, 9, 3, 49152, 8192, 100000.0, 1e-5),
            // Qwen/Qwen2.5-0.5B's config.json.
            new SynthPreset("qwen2.5-0.5b", "qwen2", 896, 4864, 24, 14, 2, 151936, 32768, 1000000.0, 1e-6),
            // meta-llama/Llama-3.2-1B's config.json (its llama3 RoPE scaling left out: it changes no cost).
            new SynthPreset("llama3.2-1b", "llama", 2048, 8192, 16, 32, 8, 128256, 131072, 500000.0, 1e-5));

    public static SynthPreset named(String name) {
        return ALL.stream().filter(p -> p.name.equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown preset '" + name + "'; presets: " + names()));
    }

    public static String names() {
        return ALL.stream().map(SynthPreset::name).collect(Collectors.joining(", "));
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    boolean qkvBias() {
        return modelType.startsWith("qwen2");
    }

    private boolean qkNorm() {
        return modelType.startsWith("qwen3") || modelType.equals("gemma3_text");
    }

    private boolean gemma() {
        return modelType.startsWith("gemma");
    }

    /** What every RMSNorm weight is written as: 1, or Gemma's 0 (it scales by 1 + w). */
    public float normWeight() {
        return gemma() ? 0f : 1f;
    }

    private boolean phi3() {
        return modelType.equals("phi3");
    }

    /** Every tensor of the checkpoint, with Hugging Face's names; the output head is tied to the embedding. */
    public List<TensorSpec> tensors() {
        int q = numHeads * headDim();
        int kv = numKvHeads * headDim();
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("model.embed_tokens.weight", vocabSize, hiddenSize));
        for (int l = 0; l < numLayers; l++) {
            String p = "model.layers." + l + ".";
            t.add(new TensorSpec(p + "input_layernorm.weight", hiddenSize));
            if (phi3()) {
                t.add(new TensorSpec(p + "self_attn.qkv_proj.weight", q + 2 * kv, hiddenSize));
            } else {
                t.add(new TensorSpec(p + "self_attn.q_proj.weight", q, hiddenSize));
                t.add(new TensorSpec(p + "self_attn.k_proj.weight", kv, hiddenSize));
                t.add(new TensorSpec(p + "self_attn.v_proj.weight", kv, hiddenSize));
            }
            if (qkvBias()) {
                t.add(new TensorSpec(p + "self_attn.q_proj.bias", q));
                t.add(new TensorSpec(p + "self_attn.k_proj.bias", kv));
                t.add(new TensorSpec(p + "self_attn.v_proj.bias", kv));
            }
            if (qkNorm()) {
                t.add(new TensorSpec(p + "self_attn.q_norm.weight", headDim()));
                t.add(new TensorSpec(p + "self_attn.k_norm.weight", headDim()));
            }
            t.add(new TensorSpec(p + "self_attn.o_proj.weight", hiddenSize, q));
            t.add(new TensorSpec(p + "post_attention_layernorm.weight", hiddenSize));
            if (gemma()) {
                t.add(new TensorSpec(p + "pre_feedforward_layernorm.weight", hiddenSize));
                t.add(new TensorSpec(p + "post_feedforward_layernorm.weight", hiddenSize));
            }
            if (experts != null) {
                addExperts(t, p);
            } else if (phi3()) {
                t.add(new TensorSpec(p + "mlp.gate_up_proj.weight", 2 * intermediateSize, hiddenSize));
                t.add(new TensorSpec(p + "mlp.down_proj.weight", hiddenSize, intermediateSize));
            } else {
                addMlp(t, p + "mlp.", "gate_proj", "up_proj", "down_proj", intermediateSize);
            }
        }
        t.add(new TensorSpec("model.norm.weight", hiddenSize));
        return t;
    }

    /** Mixtral's block_sparse_moe (w1 gate, w3 up, w2 down) or Qwen's mlp experts and shared expert. */
    private void addExperts(List<TensorSpec> t, String p) {
        boolean mixtral = modelType.equals("mixtral");
        String moe = p + (mixtral ? "block_sparse_moe." : "mlp.");
        t.add(new TensorSpec(moe + "gate.weight", experts.count(), hiddenSize));
        for (int e = 0; e < experts.count(); e++) {
            String expert = moe + "experts." + e + ".";
            if (mixtral) {
                addMlp(t, expert, "w1", "w3", "w2", experts.intermediate());
            } else {
                addMlp(t, expert, "gate_proj", "up_proj", "down_proj", experts.intermediate());
            }
        }
        if (experts.sharedIntermediate() > 0) {
            addMlp(t, moe + "shared_expert.", "gate_proj", "up_proj", "down_proj", experts.sharedIntermediate());
            t.add(new TensorSpec(moe + "shared_expert_gate.weight", 1, hiddenSize));
        }
    }

    private void addMlp(List<TensorSpec> t, String prefix, String gate, String up, String down, int inter) {
        t.add(new TensorSpec(prefix + gate + ".weight", inter, hiddenSize));
        t.add(new TensorSpec(prefix + up + ".weight", inter, hiddenSize));
        t.add(new TensorSpec(prefix + down + ".weight", hiddenSize, inter));
    }

    /** The class name Hugging Face's config.json lists under "architectures". */
    String architecture() {
        return switch (modelType) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "phi3" -> "Phi3ForCausalLM";
            case "mixtral" -> "MixtralForCausalLM";
            case "qwen2_moe" -> "Qwen2MoeForCausalLM";
            case "qwen3_moe" -> "Qwen3MoeForCausalLM";
            case "gemma2" -> "Gemma2ForCausalLM";
            case "gemma3_text" -> "Gemma3ForCausalLM";
            default -> "LlamaForCausalLM";
        };
    }

    public long parameterCount() {
        return tensors().stream().mapToLong(TensorSpec::size).sum();
    }

    /** The Hugging Face {@code config.json}. */
    public ObjectNode configJson(String torchDtype) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(architecture());
        c.put("model_type", modelType)
                .put("hidden_size", hiddenSize)
                .put("intermediate_size", intermediateSize)
                .put("num_hidden_layers", numLayers)
                .put("num_attention_heads", numHeads)
                .put("num_key_value_heads", numKvHeads)
                .put("head_dim", headDim())
                .put("vocab_size", vocabSize)
                .put("max_position_embeddings", maxPositionEmbeddings)
                .put("rms_norm_eps", rmsNormEps)
                .put("rope_theta", ropeTheta)
                .put(gemma() ? "hidden_activation" : "hidden_act", gemma() ? "gelu_pytorch_tanh" : "silu")
                .put("tie_word_embeddings", true)
                .put("attention_bias", qkvBias())
                .put("bos_token_id", BOS_ID)
                .put("eos_token_id", EOS_ID)
                .put("initializer_range", SyntheticCheckpoint.WEIGHT_STD)
                .put("torch_dtype", torchDtype)
                .put("use_cache", true);
        if (gemma()) {
            c.put("sliding_window", 32).put("query_pre_attn_scalar", headDim());
            if (modelType.equals("gemma2")) {
                c.put("attn_logit_softcapping", 50.0).put("final_logit_softcapping", 30.0);
            } else {
                c.put("sliding_window_pattern", 2).put("rope_local_base_freq", 10000.0);
            }
        }
        if (experts == null) {
            return c;
        }
        if (modelType.equals("mixtral")) {
            c.put("num_local_experts", experts.count()).put("num_experts_per_tok", experts.topK())
                    .put("router_aux_loss_coef", 0.02);
        } else {
            c.put("num_experts", experts.count()).put("num_experts_per_tok", experts.topK())
                    .put("moe_intermediate_size", experts.intermediate()).put("decoder_sparse_step", 1)
                    .put("norm_topk_prob", modelType.equals("qwen3_moe"));
            c.putArray("mlp_only_layers");
            if (experts.sharedIntermediate() > 0) {
                c.put("shared_expert_intermediate_size", experts.sharedIntermediate());
            }
        }
        return c;
    }
}
