package io.flinfer.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Draws one token per non-greedy row, batched on the device: divide by the temperature, drop
 * tokens by min-p, top-k and top-p (vLLM v1's order), and pick by inverse CDF with a uniform number
 * drawn in Java from the row's own generator. Greedy rows in the batch get a harmless result that
 * the caller discards.
 *
 * <p>Each filter becomes a per-row logit threshold (min-p: {@code max + log(min_p)}; top-k: the
 * k-th largest logit, so ties with it stay, as in vLLM; top-p: the smallest logit of the shortest
 * prefix of the sorted distribution whose mass reaches top_p). The draw then always runs over the
 * vocabulary in id order, so a row's token does not depend on which filters its neighbours use.
 * Sorting is by far the costliest step and is done only as far as needed: the whole vocabulary for
 * top-p, the {@code max k} largest logits for top-k alone, nothing for temperature and min-p.
 */
final class RandomDraw {
    private RandomDraw() {
    }

    /**
     * @param logits the penalized {@code [B, V]} logits
     * @param best each row's most likely token (argmax of {@code logits}); it passes every filter
     */
    static NDArray draw(NDArray logits, List<SamplingRow> rows, NDArray best) {
        Settings s = Settings.of(rows);
        NDManager m = logits.getManager();
        Shape column = new Shape(rows.size(), 1);
        NDArray scaled = logits.div(m.create(s.temperature, column));
        if (!s.anyMinP && !s.anyTopK && !s.anyTopP) {
            return inverseCdf(scaled.softmax(1), m.create(s.uniform, column), best);
        }
        NDArray threshold = m.full(column, Float.NEGATIVE_INFINITY);
        if (s.anyMinP) {
            // p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p)
            threshold = scaled.max(new int[] {1}, true).add(m.create(s.logMinP, column));
        }
        if (s.anyTopK || s.anyTopP) {
            int vocab = Math.toIntExact(scaled.getShape().get(1));
            int width = s.anyTopP || s.anyUnlimitedK ? vocab : Math.min(s.maxTopK, vocab);
            NDArray sorted = scaled.topK(width, 1, true, true).get(0);
            if (s.anyTopK) {
                threshold = threshold.maximum(sorted.gather(m.create(s.lastTopKIndex(width), column), 1));
            }
            if (s.anyTopP) {
                threshold = threshold.maximum(topPCutoff(sorted, threshold, m.create(s.topP, column)));
            }
        }
        scaled.set(scaled.lt(threshold), Float.NEGATIVE_INFINITY);
        return inverseCdf(scaled.softmax(1), m.create(s.uniform, column), best);
    }

    /**
     * The smallest logit kept by top-p, over the sorted logits that pass the earlier filters: a
     * token stays while the mass before it is below top_p, so the first always stays.
     */
    private static NDArray topPCutoff(NDArray sorted, NDArray threshold, NDArray topP) {
        NDArray kept = sorted.duplicate();
        kept.set(kept.lt(threshold), Float.NEGATIVE_INFINITY);
        NDArray probs = kept.softmax(1);
        NDArray keptCount = probs.cumSum(1).sub(probs).lt(topP).countNonzero(1);
        return kept.gather(keptCount.sub(1).reshape(threshold.getShape()), 1);
    }

    /**
     * The first token whose cumulative mass exceeds {@code u * total}. Float rounding in the
     * cumulative sum can, very rarely, land on a token of zero probability (a filtered or banned
     * one); such a row takes its most likely token, {@code best}, instead.
     */
    private static NDArray inverseCdf(NDArray probs, NDArray uniform, NDArray best) {
        long b = probs.getShape().get(0);
        NDArray cumulative = probs.cumSum(1);
        NDArray threshold = cumulative.get(":, -1:").mul(uniform);
        NDArray token = cumulative.lte(threshold).countNonzero(1).minimum(probs.getShape().get(1) - 1);
        NDArray landed = probs.gather(token.reshape(b, 1), 1).reshape(b).gt(0);
        return NDArrays.where(landed, token, best);
    }

    /** The rows' parameters as arrays, with neutral values for greedy rows. */
    private static final class Settings {
        final float[] temperature;
        final float[] logMinP;
        final int[] topK;
        final float[] topP;
        final float[] uniform;
        boolean anyMinP;
        boolean anyTopK;
        boolean anyUnlimitedK;
        boolean anyTopP;
        int maxTopK;

        private Settings(int b) {
            temperature = new float[b];
            logMinP = new float[b];
            topK = new int[b];
            topP = new float[b];
            uniform = new float[b];
        }

        static Settings of(List<SamplingRow> rows) {
            Settings s = new Settings(rows.size());
            for (int r = 0; r < rows.size(); r++) {
                SamplingParams p = rows.get(r).params();
                boolean greedy = p.isGreedy();
                s.temperature[r] = greedy ? 1f : (float) p.temperature;
                s.logMinP[r] = greedy ? Float.NEGATIVE_INFINITY : (float) Math.log(p.minP);
                s.topK[r] = greedy ? 0 : p.topK;
                // A threshold above 1 keeps every token even when the running sum rounds past 1.
                s.topP[r] = greedy || p.topP >= 1 ? 2f : (float) p.topP;
                // Greedy rows take no draw, so a request's draws never depend on its neighbours.
                s.uniform[r] = greedy ? 0f : rows.get(r).nextUniform();
                if (!greedy) {
                    s.anyMinP |= p.minP > 0;
                    s.anyTopK |= p.topK > 0;
                    s.anyUnlimitedK |= p.topK == 0;
                    s.anyTopP |= p.topP < 1;
                    s.maxTopK = Math.max(s.maxTopK, p.topK);
                }
            }
            return s;
        }

        /** Position of each row's k-th largest logit among the {@code width} largest. */
        long[] lastTopKIndex(int width) {
            long[] index = new long[topK.length];
            for (int r = 0; r < index.length; r++) {
                index[r] = (topK[r] == 0 ? width : Math.min(topK[r], width)) - 1;
            }
            return index;
        }
    }
}
