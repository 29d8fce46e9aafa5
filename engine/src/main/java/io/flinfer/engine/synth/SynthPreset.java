package io.flinfer.engine.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.model.SafetensorsWriter.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of a synthetic model: a Llama-family architecture with the sizes of a published
 * checkpoint, so benchmarks on random weights cost what the real model costs.
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
        double rmsNormEps) {

    /** Ids of the tokenizer's special tokens, the first three entries of every synthetic vocabulary. */
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;

    public static final List<SynthPreset> ALL = List.of(
            // A few hundred thousand parameters: for tests.
            new SynthPreset("tiny", "llama", 64, 192, 4, 4, 2, 1024, 2048, 10000.0, 1e-5),
            new SynthPreset("tiny-qwen2", "qwen2", 64, 192, 4, 4, 2, 1024, 2048, 1000000.0, 1e-6),
            // The llama2.c "stories110M" sizes with grouped-query attention (4 KV heads).
            new SynthPreset("llama-110m", "llama", 768, 2048, 12, 12, 4, 32000, 2048, 10000.0, 1e-5),
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
        return modelType.equals("qwen2");
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
            t.add(new TensorSpec(p + "self_attn.q_proj.weight", q, hiddenSize));
            t.add(new TensorSpec(p + "self_attn.k_proj.weight", kv, hiddenSize));
            t.add(new TensorSpec(p + "self_attn.v_proj.weight", kv, hiddenSize));
            if (qkvBias()) {
                t.add(new TensorSpec(p + "self_attn.q_proj.bias", q));
                t.add(new TensorSpec(p + "self_attn.k_proj.bias", kv));
                t.add(new TensorSpec(p + "self_attn.v_proj.bias", kv));
            }
            t.add(new TensorSpec(p + "self_attn.o_proj.weight", hiddenSize, q));
            t.add(new TensorSpec(p + "post_attention_layernorm.weight", hiddenSize));
            t.add(new TensorSpec(p + "mlp.gate_proj.weight", intermediateSize, hiddenSize));
            t.add(new TensorSpec(p + "mlp.up_proj.weight", intermediateSize, hiddenSize));
            t.add(new TensorSpec(p + "mlp.down_proj.weight", hiddenSize, intermediateSize));
        }
        t.add(new TensorSpec("model.norm.weight", hiddenSize));
        return t;
    }

    public long parameterCount() {
        return tensors().stream().mapToLong(TensorSpec::size).sum();
    }

    /** The Hugging Face {@code config.json}. */
    public ObjectNode configJson(String torchDtype) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(qkvBias() ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
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
                .put("hidden_act", "silu")
                .put("tie_word_embeddings", true)
                .put("attention_bias", qkvBias())
                .put("bos_token_id", BOS_ID)
                .put("eos_token_id", EOS_ID)
                .put("initializer_range", SyntheticCheckpoint.WEIGHT_STD)
                .put("torch_dtype", torchDtype)
                .put("use_cache", true);
        return c;
    }
}
