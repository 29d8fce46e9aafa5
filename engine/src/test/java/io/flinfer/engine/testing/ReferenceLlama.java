package io.flinfer.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Map;

/**
 * A plain, unbatched Llama forward pass in double precision over Java arrays, written from the
 * Hugging Face modeling code and sharing nothing with the engine: the reference the batched, paged
 * forward pass is checked against.
 */
public final class ReferenceLlama {
    private final JsonNode c;
    private final Map<String, float[]> w;
    private final int hidden, heads, kvHeads, headDim, rotaryDim, layers, inter, vocab;
    /** Gemma 2/3: (1 + w) norms, scaled embedding, GELU-tanh, output norms, sliding layers, soft-caps. */
    private final boolean gemma;

    public ReferenceLlama(TinyCheckpoint ckpt) {
        this.c = ckpt.config;
        this.w = ckpt.weights;
        hidden = c.get("hidden_size").asInt();
        heads = c.get("num_attention_heads").asInt();
        kvHeads = c.get("num_key_value_heads").asInt();
        headDim = c.get("head_dim").asInt();
        rotaryDim = (int) (headDim * c.path("partial_rotary_factor").asDouble(1.0));
        gemma = c.get("model_type").asText().startsWith("gemma");
        layers = c.get("num_hidden_layers").asInt();
        inter = c.get("intermediate_size").asInt();
        vocab = c.get("vocab_size").asInt();
    }

    /** Logits of the last position after running all {@code tokens} from position 0. */
    public double[] lastLogits(int[] tokens) {
        int n = tokens.length;
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = row(w.get("model.embed_tokens.weight"), tokens[t], hidden);
            if (gemma) {
                for (int i = 0; i < hidden; i++) {
                    x[t][i] *= Math.sqrt(hidden);
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            boolean sliding = sliding(l);
            int window = sliding ? c.get("sliding_window").asInt() : Integer.MAX_VALUE;
            double scale = 1 / Math.sqrt(c.path("query_pre_attn_scalar").asDouble(headDim));
            double cap = c.path("attn_logit_softcapping").asDouble(0);
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], w.get(p + "input_layernorm.weight"));
                if (w.containsKey(p + "self_attn.qkv_proj.weight")) {
                    // Phi-3: q, k and v are the rows of one matrix.
                    double[] qkv = linear(h, p + "self_attn.qkv_proj", (heads + 2 * kvHeads) * headDim);
                    q[t] = Arrays.copyOfRange(qkv, 0, heads * headDim);
                    k[t] = Arrays.copyOfRange(qkv, heads * headDim, (heads + kvHeads) * headDim);
                    v[t] = Arrays.copyOfRange(qkv, (heads + kvHeads) * headDim, qkv.length);
                } else {
                    q[t] = linear(h, p + "self_attn.q_proj", heads * headDim);
                    k[t] = linear(h, p + "self_attn.k_proj", kvHeads * headDim);
                    v[t] = linear(h, p + "self_attn.v_proj", kvHeads * headDim);
                }
                if (w.containsKey(p + "self_attn.q_norm.weight")) {
                    headNorm(q[t], heads, w.get(p + "self_attn.q_norm.weight"));
                    headNorm(k[t], kvHeads, w.get(p + "self_attn.k_norm.weight"));
                }
                // Only Gemma's sliding layers rotate by their own base.
                rope(q[t], heads, t, sliding && gemma);
                rope(k[t], kvHeads, t, sliding && gemma);
            }
            for (int t = 0; t < n; t++) {
                double[] attn = new double[heads * headDim];
                for (int hd = 0; hd < heads; hd++) {
                    int kvh = hd / (heads / kvHeads);
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    // A sliding layer's query at t sees keys t - window + 1 .. t.
                    int first = Math.max(0, t - window + 1);
                    for (int s = first; s <= t; s++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[t][hd * headDim + d] * k[s][kvh * headDim + d];
                        }
                        scores[s] = dot * scale;
                        if (cap > 0) {
                            scores[s] = Math.tanh(scores[s] / cap) * cap;
                        }
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < first; s++) {
                        scores[s] = Double.NEGATIVE_INFINITY;
                    }
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        sum += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int d = 0; d < headDim; d++) {
                            attn[hd * headDim + d] += scores[s] / sum * v[s][kvh * headDim + d];
                        }
                    }
                }
                double[] o = matVec(w.get(p + "self_attn.o_proj.weight"), attn, hidden);
                if (gemma) {
                    // transformers' Gemma2DecoderLayer: norms around attention and MLP on both sides.
                    add(x[t], rmsNorm(o, w.get(p + "post_attention_layernorm.weight")));
                    double[] m = mlp(rmsNorm(x[t], w.get(p + "pre_feedforward_layernorm.weight")), p);
                    add(x[t], rmsNorm(m, w.get(p + "post_feedforward_layernorm.weight")));
                } else {
                    add(x[t], o);
                    add(x[t], mlp(rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight")), p));
                }
            }
        }
        double[] last = rmsNorm(x[n - 1], w.get("model.norm.weight"));
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("model.embed_tokens.weight");
        double[] logits = matVec(head, last, vocab);
        double finalCap = c.path("final_logit_softcapping").asDouble(0);
        if (finalCap > 0) {
            for (int i = 0; i < vocab; i++) {
                logits[i] = Math.tanh(logits[i] / finalCap) * finalCap;
            }
        }
        return logits;
    }

    /**
     * Gemma 2 alternates sliding and global layers from a sliding one; Gemma 3 repeats its pattern;
     * Mistral, Mixtral and Phi-3 slide every layer when they have a sliding_window; Qwen2 slides the
     * layers from max_window_layers on when use_sliding_window is set.
     */
    private boolean sliding(int l) {
        return switch (c.get("model_type").asText()) {
            case "gemma2" -> l % 2 == 0;
            case "gemma3_text" -> (l + 1) % c.get("sliding_window_pattern").asInt() != 0;
            case "mistral", "mixtral", "phi3" -> c.hasNonNull("sliding_window");
            case "qwen2" -> c.path("use_sliding_window").asBoolean(false) && l >= c.get("max_window_layers").asInt();
            default -> false;
        };
    }

    /** The layer's MLP: a mixture of experts where the checkpoint has a router, else dense. */
    private double[] mlp(double[] h, String p) {
        if (w.containsKey(p + "block_sparse_moe.gate.weight")) {
            return experts(h, p + "block_sparse_moe.", "w1", "w3", "w2", true);
        }
        if (w.containsKey(p + "mlp.gate.weight")) {
            double[] y = experts(h, p + "mlp.", "gate_proj", "up_proj", "down_proj",
                    c.path("norm_topk_prob").asBoolean(false));
            if (w.containsKey(p + "mlp.shared_expert_gate.weight")) {
                double gate = matVec(w.get(p + "mlp.shared_expert_gate.weight"), h, 1)[0];
                double[] shared = swiglu(h, p + "mlp.shared_expert.", "gate_proj", "up_proj", "down_proj");
                for (int i = 0; i < hidden; i++) {
                    y[i] += shared[i] / (1 + Math.exp(-gate));
                }
            }
            return y;
        }
        if (w.containsKey(p + "mlp.gate_up_proj.weight")) {
            // Phi-3: gate then up, the rows of one matrix.
            double[] gateUp = matVec(w.get(p + "mlp.gate_up_proj.weight"), h, 2 * inter);
            double[] act = new double[inter];
            for (int i = 0; i < inter; i++) {
                act[i] = silu(gateUp[i]) * gateUp[inter + i];
            }
            return matVec(w.get(p + "mlp.down_proj.weight"), act, hidden);
        }
        return swiglu(h, p + "mlp.", "gate_proj", "up_proj", "down_proj");
    }

    /**
     * transformers' MixtralSparseMoeBlock / Qwen2MoeSparseMoeBlock: softmax over the router's logits,
     * the num_experts_per_tok largest, renormalized if asked, each expert's output times its weight.
     */
    private double[] experts(double[] h, String moe, String gate, String up, String down, boolean renormalize) {
        float[] router = w.get(moe + "gate.weight");
        int experts = router.length / hidden;
        double[] probs = softmax(matVec(router, h, experts));
        Integer[] order = new Integer[experts];
        for (int e = 0; e < experts; e++) {
            order[e] = e;
        }
        Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
        int topK = c.get("num_experts_per_tok").asInt();
        double sum = 0;
        for (int i = 0; i < topK; i++) {
            sum += probs[order[i]];
        }
        double[] y = new double[hidden];
        for (int i = 0; i < topK; i++) {
            double weight = renormalize ? probs[order[i]] / sum : probs[order[i]];
            double[] out = swiglu(h, moe + "experts." + order[i] + ".", gate, up, down);
            for (int j = 0; j < hidden; j++) {
                y[j] += weight * out[j];
            }
        }
        return y;
    }

    private double[] swiglu(double[] h, String prefix, String gate, String up, String down) {
        float[] gateWeight = w.get(prefix + gate + ".weight");
        int size = gateWeight.length / hidden;
        double[] g = matVec(gateWeight, h, size);
        double[] u = matVec(w.get(prefix + up + ".weight"), h, size);
        for (int i = 0; i < size; i++) {
            g[i] = (gemma ? geluTanh(g[i]) : silu(g[i])) * u[i];
        }
        return matVec(w.get(prefix + down + ".weight"), g, hidden);
    }

    private static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    private static double[] softmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElse(0);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private double[] linear(double[] h, String name, int out) {
        double[] y = matVec(w.get(name + ".weight"), h, out);
        float[] bias = w.get(name + ".bias");
        if (bias != null) {
            for (int i = 0; i < out; i++) {
                y[i] += bias[i];
            }
        }
        return y;
    }

    /** Rotates the first rotaryDim dimensions of each head (Phi-3's partial_rotary_factor); the rest stay. */
    private void rope(double[] x, int numHeads, int pos, boolean local) {
        int half = rotaryDim / 2;
        double magnitude = longRopeAttentionFactor();
        for (int hd = 0; hd < numHeads; hd++) {
            for (int j = 0; j < half; j++) {
                double angle = pos * (local ? localInverseFrequency(j) : inverseFrequency(j, pos));
                double cos = Math.cos(angle) * magnitude;
                double sin = Math.sin(angle) * magnitude;
                double a = x[hd * headDim + j];
                double b = x[hd * headDim + j + half];
                x[hd * headDim + j] = a * cos - b * sin;
                x[hd * headDim + j + half] = b * cos + a * sin;
            }
        }
    }

    /** Gemma 3's sliding layers: rope_local_base_freq, never scaled (Gemma 2: rope_theta). */
    private double localInverseFrequency(int j) {
        double base = c.path("rope_local_base_freq").asDouble(c.get("rope_theta").asDouble());
        return 1.0 / Math.pow(base, 2.0 * j / rotaryDim);
    }

    /** transformers' _compute_longrope_parameters: cos and sin scaled by sqrt(1 + ln(s) / ln(original)). */
    private double longRopeAttentionFactor() {
        if (!c.path("rope_scaling").path("type").asText("").equals("longrope")) {
            return 1;
        }
        double original = c.get("original_max_position_embeddings").asDouble();
        double scale = c.get("max_position_embeddings").asDouble() / original;
        return scale <= 1 ? 1 : Math.sqrt(1 + Math.log(scale) / Math.log(original));
    }

    /**
     * transformers' _compute_default/_linear/_llama3/_longrope_parameters; longrope takes the long
     * factors from original_max_position_embeddings on (the engine's documented rule).
     */
    private double inverseFrequency(int j, int pos) {
        double inv = 1.0 / Math.pow(c.get("rope_theta").asDouble(), 2.0 * j / rotaryDim);
        JsonNode s = c.path("rope_scaling");
        String type = s.path("rope_type").asText(s.path("type").asText(""));
        if (type.equals("longrope")) {
            boolean isLong = pos >= c.get("original_max_position_embeddings").asInt();
            return inv / s.get(isLong ? "long_factor" : "short_factor").get(j).asDouble();
        }
        double factor = s.path("factor").asDouble(1);
        if (type.equals("linear")) {
            return inv / factor;
        }
        if (type.equals("llama3")) {
            double old = s.get("original_max_position_embeddings").asDouble();
            double low = s.get("low_freq_factor").asDouble();
            double high = s.get("high_freq_factor").asDouble();
            double wavelen = 2 * Math.PI / inv;
            double scaled = wavelen > old / low ? inv / factor : inv;
            double smooth = (old / wavelen - low) / (high - low);
            boolean medium = !(wavelen < old / high) && !(wavelen > old / low);
            return medium ? (1 - smooth) * scaled / factor + smooth * scaled : scaled;
        }
        return inv;
    }

    private void headNorm(double[] x, int numHeads, float[] weight) {
        for (int hd = 0; hd < numHeads; hd++) {
            double[] part = new double[headDim];
            System.arraycopy(x, hd * headDim, part, 0, headDim);
            System.arraycopy(rmsNorm(part, weight), 0, x, hd * headDim, headDim);
        }
    }

    private double[] rmsNorm(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + c.get("rms_norm_eps").asDouble());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * (gemma ? 1 + weight[i] : weight[i]);
        }
        return y;
    }

    private static double[] matVec(float[] m, double[] x, int rows) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int i = 0; i < x.length; i++) {
                acc += m[r * x.length + i] * x[i];
            }
            y[r] = acc;
        }
        return y;
    }

    private static double[] row(float[] m, int r, int cols) {
        double[] y = new double[cols];
        for (int i = 0; i < cols; i++) {
            y[i] = m[r * cols + i];
        }
        return y;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
