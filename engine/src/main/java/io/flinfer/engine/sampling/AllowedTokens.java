package io.flinfer.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Applies the rows' grammar masks ({@link SamplingRow#allowedTokens()}): every token outside a
 * row's mask gets -inf before greedy picking or drawing. One boolean {@code [B, V]} tensor per step,
 * built only when some row is constrained; unconstrained rows allow everything.
 */
final class AllowedTokens {
    private AllowedTokens() {}

    static NDArray applyTo(NDArray logits, List<SamplingRow> rows) {
        if (rows.stream().allMatch(r -> r.allowedTokens() == null)) {
            return logits;
        }
        int vocab = Math.toIntExact(logits.getShape().get(1));
        boolean[] allowed = new boolean[rows.size() * vocab];
        for (int r = 0; r < rows.size(); r++) {
            long[] bits = rows.get(r).allowedTokens();
            int base = r * vocab;
            if (bits == null) {
                java.util.Arrays.fill(allowed, base, base + vocab, true);
                continue;
            }
            for (int w = 0; w < bits.length; w++) {
                long word = bits[w];
                while (word != 0) {
                    int t = (w << 6) + Long.numberOfTrailingZeros(word);
                    if (t < vocab) {
                        allowed[base + t] = true;
                    }
                    word &= word - 1;
                }
            }
        }
        NDManager m = logits.getManager();
        NDArray mask = m.create(allowed, new Shape(rows.size(), vocab));
        return NDArrays.where(mask, logits, m.full(logits.getShape(), Float.NEGATIVE_INFINITY));
    }
}
