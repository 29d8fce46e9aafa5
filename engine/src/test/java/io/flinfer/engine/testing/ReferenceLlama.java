package io.flinfer.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A plain, unbatched Llama forward pass in double precision over Java arrays, written from the
 * Hugging Face modeling code and sharing nothing with the engine: the reference the batched, paged
 * forward pass is checked against.
 */
public final class ReferenceLlama {
    private final JsonNode c;
    private final Map<String, float[]> w;
    private final int hidden, heads, kvHeads, headDim, layers, inter, vocab;

    public ReferenceLlama(TinyCheckpoint ckpt) {
        this.c = ckpt.config;
        this.w = ckpt.weights;
        hidden = c.get("hidden_size").asInt();
        heads = c.get("num_attention_heads").asInt();
        kvHeads = c.get("num_key_value_heads").asInt();
        headDim = c.get("head_dim").asInt();
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
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], w.get(p + "input_layernorm.weight"));
                q[t] = linear(h, p + "self_attn.q_proj", heads * headDim);
                k[t] = linear(h, p + "self_attn.k_proj", kvHeads * headDim);
                v[t] = linear(h, p + "self_attn.v_proj", kvHeads * headDim);
                if (w.containsKey(p + "self_attn.q_norm.weight")) {
                    headNorm(q[t], heads, w.get(p + "self_attn.q_norm.weight"));
                    headNorm(k[t], kvHeads, w.get(p + "self_attn.k_norm.weight"));
                }
                rope(q[t], heads, t);
                rope(k[t], kvHeads, t);
            }
            for (int t = 0; t < n; t++) {
                double[] attn = new double[heads * headDim];
                for (int hd = 0; hd < heads; hd++) {
                    int kvh = hd / (heads / kvHeads);
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[t][hd * headDim + d] * k[s][kvh * headDim + d];
                        }
                        scores[s] = dot / Math.sqrt(headDim);
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
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
                add(x[t], matVec(w.get(p + "self_attn.o_proj.weight"), attn, hidden));
                double[] h = rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight"));
                double[] gate = matVec(w.get(p + "mlp.gate_proj.weight"), h, inter);
                double[] up = matVec(w.get(p + "mlp.up_proj.weight"), h, inter);
                for (int i = 0; i < inter; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                add(x[t], matVec(w.get(p + "mlp.down_proj.weight"), gate, hidden));
            }
        }
        double[] last = rmsNorm(x[n - 1], w.get("model.norm.weight"));
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("model.embed_tokens.weight");
        return matVec(head, last, vocab);
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

    private void rope(double[] x, int numHeads, int pos) {
        int half = headDim / 2;
        for (int hd = 0; hd < numHeads; hd++) {
            for (int j = 0; j < half; j++) {
                double angle = pos * inverseFrequency(j);
                double a = x[hd * headDim + j];
                double b = x[hd * headDim + j + half];
                x[hd * headDim + j] = a * Math.cos(angle) - b * Math.sin(angle);
                x[hd * headDim + j + half] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
    }

    /** transformers' _compute_default/_linear/_llama3_parameters. */
    private double inverseFrequency(int j) {
        double inv = 1.0 / Math.pow(c.get("rope_theta").asDouble(), 2.0 * j / headDim);
        JsonNode s = c.path("rope_scaling");
        String type = s.path("rope_type").asText(s.path("type").asText(""));
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
            y[i] = x[i] * inv * weight[i];
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
