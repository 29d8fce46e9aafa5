package io.flinfer.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Picks the next token of every batch row from one engine step's logits, following vLLM v1's
 * sampler: penalties, banned tokens and grammar masks apply to every row; greedy rows then take the argmax; the
 * other rows divide by their temperature, drop tokens by min-p, top-k and top-p (in that order), and
 * draw from what is left with their own random generator. Logprobs come from the raw logits.
 *
 * <p>All math runs on the logits' device, batched over the rows (see {@link LogitPenalties} and
 * {@link RandomDraw}); only token ids and asked-for logprobs come back. Temporaries live in a child
 * manager that is closed before returning. Sampling advances the rows' generators, so a batch's rows
 * must not be sampled from two threads at once.
 */
public final class Sampler {

    /**
     * Samples one token per row.
     *
     * @param logits {@code [B, V]} logits of any float type; not modified
     * @param rows one entry per batch row, in row order
     */
    public SampledTokens sample(NDArray logits, List<SamplingRow> rows) {
        Shape shape = logits.getShape();
        if (shape.dimension() != 2 || shape.get(0) != rows.size()) {
            throw new IllegalArgumentException("logits must be [B, V] with B = the number of rows ("
                    + rows.size() + "), got shape " + shape);
        }
        int vocabSize = Math.toIntExact(shape.get(1));
        try (NDManager step = logits.getManager().newSubManager()) {
            logits.tempAttach(step);
            NDArray raw = logits.toType(DataType.FLOAT32, false);
            NDArray penalized = AllowedTokens.applyTo(LogitPenalties.of(rows, vocabSize).applyTo(raw), rows);
            NDArray tokens = pickTokens(penalized, rows);
            int[] tokenIds = toInts(tokens.toLongArray());
            return new SampledTokens(tokenIds, logprobs(raw, tokens, tokenIds, rows));
        }
    }

    /**
     * Whether the rows' tokens are their logits' argmax and nothing else: every row greedy, with no
     * penalty, banned token, grammar mask or logprobs. Then the model may take the argmax itself
     * ({@code LlamaModel.forwardArgmax}) and skip {@link #sample}.
     */
    public static boolean takesArgmaxOnly(List<SamplingRow> rows) {
        for (SamplingRow row : rows) {
            SamplingParams p = row.params();
            if (!p.isGreedy() || p.hasPenalties() || p.logprobs != null || !row.bannedTokenIds().isEmpty()
                    || row.allowedTokens() != null) {
                return false;
            }
        }
        return true;
    }

    /** The tokens of rows that {@link #takesArgmaxOnly take the argmax only}, from that argmax, one id per row. */
    public static SampledTokens ofArgmax(long[] argmax) {
        int[] tokenIds = toInts(argmax);
        return new SampledTokens(tokenIds, Collections.nCopies(tokenIds.length, null));
    }

    private static int[] toInts(long[] ids) {
        int[] tokenIds = new int[ids.length];
        for (int r = 0; r < ids.length; r++) {
            tokenIds[r] = Math.toIntExact(ids[r]);
        }
        return tokenIds;
    }

    private static NDArray pickTokens(NDArray logits, List<SamplingRow> rows) {
        boolean[] greedy = new boolean[rows.size()];
        boolean anyGreedy = false;
        boolean anyRandom = false;
        for (int r = 0; r < greedy.length; r++) {
            greedy[r] = rows.get(r).params().isGreedy();
            anyGreedy |= greedy[r];
            anyRandom |= !greedy[r];
        }
        NDArray best = logits.argMax(1);
        if (!anyRandom) {
            return best;
        }
        NDArray drawn = RandomDraw.draw(logits, rows, best);
        return anyGreedy ? NDArrays.where(logits.getManager().create(greedy), best, drawn) : drawn;
    }

    /** Log-probabilities of the raw logits for the rows that ask for them; null for the others. */
    private static List<TokenLogprobs> logprobs(NDArray raw, NDArray tokens, int[] tokenIds,
            List<SamplingRow> rows) {
        long[] asking = new long[rows.size()];
        int n = 0;
        int maxTop = 0;
        for (int r = 0; r < rows.size(); r++) {
            Integer wanted = rows.get(r).params().logprobs;
            if (wanted != null) {
                asking[n++] = r;
                maxTop = Math.max(maxTop, wanted);
            }
        }
        // A vocabulary smaller than the request's logprobs reports all of it.
        maxTop = (int) Math.min(maxTop, raw.getShape().get(1));
        TokenLogprobs[] result = new TokenLogprobs[rows.size()];
        if (n > 0) {
            NDManager m = raw.getManager();
            NDArray rowIndex = m.create(Arrays.copyOf(asking, n));
            NDArray logprobs = raw.get(rowIndex).logSoftmax(1);
            float[] chosen = logprobs.gather(tokens.get(rowIndex).reshape(n, 1), 1).toFloatArray();
            float[] topValues = new float[0];
            long[] topIds = new long[0];
            if (maxTop > 0) {
                NDList top = logprobs.topK(maxTop, 1, true, true);
                topValues = top.get(0).toFloatArray();
                topIds = top.get(1).toLongArray();
            }
            for (int i = 0; i < n; i++) {
                int r = (int) asking[i];
                int wanted = Math.min(rows.get(r).params().logprobs, maxTop);
                int[] ids = new int[wanted];
                float[] values = new float[wanted];
                for (int j = 0; j < wanted; j++) {
                    ids[j] = Math.toIntExact(topIds[i * maxTop + j]);
                    values[j] = topValues[i * maxTop + j];
                }
                result[r] = new TokenLogprobs(tokenIds[r], chosen[i], ids, values);
            }
        }
        return Collections.unmodifiableList(Arrays.asList(result));
    }
}
