package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The weights of one decoder layer, laid out for the forward pass: q/k/v fused into one
 * {@code [hidden, q + 2 kv]} matrix and gate/up into one {@code [hidden, 2 intermediate]} matrix, so
 * each takes a single multiply. Matrices are stored transposed to multiply from the right.
 */
record DecoderLayer(
        NDArray inputNorm,
        NDArray qkv,
        NDArray qkvBias,
        NDArray qNorm,
        NDArray kNorm,
        NDArray out,
        NDArray postNorm,
        NDArray gateUp,
        NDArray down) {

    static DecoderLayer load(Checkpoint ckpt, ModelConfig config, int layer, NDManager m, DataType dtype) {
        String p = "model.layers." + layer + ".";
        String attn = p + "self_attn.";
        NDArray qkv = fused(ckpt, m, dtype, attn + "q_proj.weight", attn + "k_proj.weight", attn + "v_proj.weight");
        NDArray bias = config.qkvBias()
                ? concat(ckpt, m, dtype, attn + "q_proj.bias", attn + "k_proj.bias", attn + "v_proj.bias")
                : null;
        return new DecoderLayer(
                ckpt.read(p + "input_layernorm.weight", m, dtype),
                qkv,
                bias,
                config.qkNorm() ? ckpt.read(attn + "q_norm.weight", m, dtype) : null,
                config.qkNorm() ? ckpt.read(attn + "k_norm.weight", m, dtype) : null,
                transposed(ckpt.read(attn + "o_proj.weight", m, dtype)),
                ckpt.read(p + "post_attention_layernorm.weight", m, dtype),
                fused(ckpt, m, dtype, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"),
                transposed(ckpt.read(p + "mlp.down_proj.weight", m, dtype)));
    }

    /** Hugging Face stores {@code [out, in]}; rows of several projections stack into one matrix. */
    private static NDArray fused(Checkpoint ckpt, NDManager m, DataType dtype, String... names) {
        return transposed(concat(ckpt, m, dtype, names));
    }

    private static NDArray concat(Checkpoint ckpt, NDManager m, DataType dtype, String... names) {
        NDArray result = ckpt.read(names[0], m, dtype);
        for (int i = 1; i < names.length; i++) {
            try (NDArray previous = result; NDArray next = ckpt.read(names[i], m, dtype)) {
                result = previous.concat(next, 0);
            }
        }
        return result;
    }

    /**
     * A transposed view, as {@code nn.Linear} multiplies: BLAS reads the {@code [out, in]} rows
     * directly, which is also the best order for the matrix-vector products of decoding. The view
     * keeps the storage alive after the original handle is closed.
     */
    static NDArray transposed(NDArray weight) {
        try (weight) {
            return weight.transpose();
        }
    }
}
