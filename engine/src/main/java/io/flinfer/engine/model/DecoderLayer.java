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
        NDArray qkNorm,
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
                config.qkNorm() ? qkNorm(ckpt, config, m, dtype, attn) : null,
                transposed(ckpt.read(attn + "o_proj.weight", m, dtype)),
                ckpt.read(p + "post_attention_layernorm.weight", m, dtype),
                fused(ckpt, m, dtype, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"),
                transposed(ckpt.read(p + "mlp.down_proj.weight", m, dtype)));
    }

    /**
     * Qwen3 normalizes each query head with q_norm and each key head with k_norm; stacked per head
     * as {@code [heads + kvHeads, headDim]}, one norm covers queries and keys together.
     */
    private static NDArray qkNorm(Checkpoint ckpt, ModelConfig config, NDManager m, DataType dtype, String attn) {
        try (NDArray q = ckpt.read(attn + "q_norm.weight", m, dtype); NDArray k = ckpt.read(attn + "k_norm.weight", m, dtype);
                NDArray qs = q.reshape(1, -1).repeat(0, config.numHeads());
                NDArray ks = k.reshape(1, -1).repeat(0, config.numKvHeads())) {
            return qs.concat(ks, 0);
        }
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
