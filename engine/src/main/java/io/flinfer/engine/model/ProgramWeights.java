package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinfer.engine.model.WeightLayout.Global;
import io.flinfer.engine.model.WeightLayout.Layer;
import java.util.List;

/**
 * A checkpoint's tensors as the forward program's {@code setup_weights} takes them: one list in
 * {@link WeightLayout}'s slots, in the compute dtype (bfloat16 as its {@link Bfloat16} carrier) but
 * the RoPE tables, which are float32. {@link LlamaModel} hands the list to the program it runs;
 * {@link ProgramExport} writes it out for PyTorch alone.
 */
final class ProgramWeights {
    private final ModelConfig config;
    private final Checkpoint ckpt;
    private final DataType dtype;
    private final NDManager manager;

    private ProgramWeights(ModelConfig config, Checkpoint ckpt, DataType dtype, NDManager manager) {
        this.config = config;
        this.ckpt = ckpt;
        this.dtype = dtype;
        this.manager = manager;
    }

    /**
     * Reads every weight onto {@code manager}; a tied output head is the embedding's tensor itself.
     *
     * @param maxPositions the longest sequence the program will see (sizes the RoPE tables)
     */
    static List<NDArray> read(ModelConfig config, Checkpoint ckpt, int maxPositions, DataType dtype,
            NDManager manager) {
        return new ProgramWeights(config, ckpt, dtype, manager).read(maxPositions);
    }

    private List<NDArray> read(int maxPositions) {
        WeightLayout layout = new WeightLayout(config.numLayers());
        NDArray embedding = ckpt.read("model.embed_tokens.weight", manager, dtype);
        boolean tied = config.tieWordEmbeddings() || !ckpt.has("lm_head.weight");
        layout.put(Global.EMBEDDING, embedding);
        layout.put(Global.FINAL_NORM, norm("model.norm.weight"));
        layout.put(Global.LM_HEAD, tied ? embedding : ckpt.read("lm_head.weight", manager, dtype));
        // In float32: the program rounds them to the compute dtype (DJL holds no bfloat16 to round to).
        NDArray[] rope = RotaryEmbedding.tables(config, maxPositions, DataType.FLOAT32, manager);
        layout.put(Global.ROPE_COS, rope[0]);
        layout.put(Global.ROPE_SIN, rope[1]);
        NDArray[] localRope = config.gemma() != null ? RotaryEmbedding.localTables(config, maxPositions, DataType.FLOAT32, manager) : rope;
        layout.put(Global.ROPE_LOCAL_COS, localRope[0]);
        layout.put(Global.ROPE_LOCAL_SIN, localRope[1]);
        for (int l = 0; l < config.numLayers(); l++) {
            putLayer(layout, l);
        }
        return layout.toList();
    }

    /**
     * Puts one layer's weights in their slots. Hugging Face's {@code [out, in]} matrices are kept as
     * they are (the layout {@code linear} multiplies fastest); q/k/v and gate/up are stacked into one
     * matrix each, so each takes a single multiply (Phi-3's checkpoints hold them stacked already).
     */
    private void putLayer(WeightLayout layout, int layer) {
        String p = "model.layers." + layer + ".";
        String attn = p + "self_attn.";
        NDArray none = manager.zeros(new Shape(0), Bfloat16.javaType(dtype));
        layout.put(layer, Layer.INPUT_NORM, norm(p + "input_layernorm.weight"));
        layout.put(layer, Layer.QKV, ckpt.has(attn + "qkv_proj.weight") ? ckpt.read(attn + "qkv_proj.weight", manager, dtype)
                : stacked(ckpt, manager, dtype, attn + "q_proj.weight", attn + "k_proj.weight", attn + "v_proj.weight"));
        layout.put(layer, Layer.QKV_BIAS, config.qkvBias()
                ? stacked(ckpt, manager, dtype, attn + "q_proj.bias", attn + "k_proj.bias", attn + "v_proj.bias") : none);
        layout.put(layer, Layer.Q_NORM, config.qkNorm() ? norm(attn + "q_norm.weight") : none);
        layout.put(layer, Layer.K_NORM, config.qkNorm() ? norm(attn + "k_norm.weight") : none);
        layout.put(layer, Layer.O, ckpt.read(attn + "o_proj.weight", manager, dtype));
        boolean gemma = config.gemma() != null;
        // Gemma normalizes the attention output with post_attention_layernorm, the MLP's input with
        // pre_feedforward_layernorm; Llama's post_attention_layernorm is the MLP's input norm.
        layout.put(layer, Layer.POST_NORM,
                norm(p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight")));
        layout.put(layer, Layer.ATTN_OUT_NORM, gemma ? norm(p + "post_attention_layernorm.weight") : none);
        layout.put(layer, Layer.MLP_OUT_NORM, gemma ? norm(p + "post_feedforward_layernorm.weight") : none);
        if (config.sparse(layer)) {
            layout.put(layer, Layer.GATE_UP, none);
            layout.put(layer, Layer.DOWN, none);
            ExpertWeights.put(layout, layer, ckpt, config, manager, dtype);
            return;
        }
        layout.put(layer, Layer.GATE_UP, ckpt.has(p + "mlp.gate_up_proj.weight")
                ? ckpt.read(p + "mlp.gate_up_proj.weight", manager, dtype)
                : stacked(ckpt, manager, dtype, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"));
        layout.put(layer, Layer.DOWN, ckpt.read(p + "mlp.down_proj.weight", manager, dtype));
        for (Layer absent : ExpertWeights.SLOTS) {
            layout.put(layer, absent, none);
        }
    }

    /**
     * An RMSNorm's weight as the program multiplies by it: Gemma's {@code 1 + w} is added here, once,
     * in float32 as transformers adds it (a bfloat16 weight is a carrier of raw bytes, see
     * {@link Bfloat16}), then rounded to the compute dtype.
     */
    private NDArray norm(String name) {
        if (config.gemma() == null) {
            return ckpt.read(name, manager, dtype);
        }
        try (NDArray weight = ckpt.read(name, manager, DataType.FLOAT32); NDArray onePlus = weight.add(1f)) {
            if (dtype == DataType.BFLOAT16) {
                return Bfloat16.carrier(onePlus.toFloatArray(), onePlus.getShape(), manager);
            }
            return onePlus.toType(dtype, true);
        }
    }

    /** The named tensors concatenated along their first dimension. */
    static NDArray stacked(Checkpoint ckpt, NDManager manager, DataType dtype, String... names) {
        NDArray result = ckpt.read(names[0], manager, dtype);
        for (int i = 1; i < names.length; i++) {
            try (NDArray previous = result; NDArray next = ckpt.read(names[i], manager, dtype)) {
                result = previous.concat(next, 0);
            }
        }
        return result;
    }
}
