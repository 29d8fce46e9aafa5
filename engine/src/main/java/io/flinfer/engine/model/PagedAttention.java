package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Attention of a batch of sequences over their paged KV cache. The sequences that decode one token
 * share one batched product; a sequence that prefills a chunk attends on its own, with a causal mask
 * offset by the context it already has. Grouped-query attention folds the query heads of a KV head
 * into the query axis, so K and V are never repeated.
 */
final class PagedAttention {
    /** One product: sequences with the same query length, their context and its additive mask. */
    private record Group(int numSeqs, int queryLen, int contextLen, NDArray queryRows, NDArray blockTable, NDArray mask) {}

    private final ModelConfig config;
    private final int blockSize;
    private final float scale;
    private final List<Group> groups = new ArrayList<>();
    /** Puts the rows back in token order when the groups changed it; null when they did not. */
    private final NDArray tokenOrder;

    /** Prepares the index tensors and masks of {@code batch} once, for all layers. */
    PagedAttention(ModelConfig config, int blockSize, ForwardBatch batch, NDManager m) {
        this.config = config;
        this.blockSize = blockSize;
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        int[] firstToken = new int[batch.numSequences()];
        for (int i = 1; i < firstToken.length; i++) {
            firstToken[i] = firstToken[i - 1] + batch.queryLens()[i - 1];
        }
        int[] decoding = IntStream.range(0, batch.numSequences()).filter(i -> batch.queryLens()[i] == 1).toArray();
        List<int[]> members = new ArrayList<>();
        if (decoding.length > 0) {
            members.add(decoding);
        }
        IntStream.range(0, batch.numSequences())
                .filter(i -> batch.queryLens()[i] > 1)
                .forEach(i -> members.add(new int[] {i}));
        int[] order = new int[batch.numTokens()];
        int next = 0;
        for (int[] seqs : members) {
            Group g = group(seqs, batch, firstToken, m);
            groups.add(g);
            for (int s : seqs) {
                for (int r = 0; r < g.queryLen; r++) {
                    order[firstToken[s] + r] = next++;
                }
            }
        }
        boolean identity = IntStream.range(0, order.length).allMatch(i -> order[i] == i);
        tokenOrder = identity ? null : m.create(order);
    }

    /**
     * @param q {@code [tokens, heads, headDim]}, already rotated
     * @return {@code [tokens, heads * headDim]}
     */
    NDArray attend(NDArray q, KvCache cache, int layer) {
        NDManager m = q.getManager();
        int kvHeads = config.numKvHeads();
        int perKv = config.numHeads() / kvHeads;
        int dim = config.headDim();
        NDList outputs = new NDList(groups.size());
        for (Group g : groups) {
            long b = g.numSeqs;
            long rows = (long) perKv * g.queryLen;
            NDArray[] kv = cache.gather(layer, g.blockTable, m);
            NDArray query = q.get(new NDIndex("{}", g.queryRows))
                    .reshape(b, g.queryLen, kvHeads, perKv, dim)
                    .transpose(0, 2, 3, 1, 4)
                    .reshape(b, kvHeads, rows, dim);
            NDArray keys = kv[0].transpose(0, 2, 3, 1); // [b, kvHeads, dim, context]
            NDArray values = kv[1].transpose(0, 2, 1, 3); // [b, kvHeads, context, dim]
            NDArray probs = query.matMul(keys).muli(scale)
                    .reshape(b, kvHeads, perKv, g.queryLen, g.contextLen)
                    .addi(g.mask)
                    .softmax(-1)
                    .reshape(b, kvHeads, rows, g.contextLen);
            outputs.add(probs.matMul(values)
                    .reshape(b, kvHeads, perKv, g.queryLen, dim)
                    .transpose(0, 3, 1, 2, 4)
                    .reshape(b * g.queryLen, (long) config.numHeads() * dim));
        }
        NDArray all = outputs.size() == 1 ? outputs.get(0) : NDArrays.concat(outputs, 0);
        return tokenOrder == null ? all : all.get(new NDIndex("{}", tokenOrder));
    }

    /** Sequences of one group all have the same query length: 1, or a single prefilling sequence. */
    private Group group(int[] seqs, ForwardBatch batch, int[] firstToken, NDManager m) {
        int queryLen = batch.queryLens()[seqs[0]];
        int maxBlocks = 0;
        for (int s : seqs) {
            maxBlocks = Math.max(maxBlocks, (batch.contextLens()[s] + blockSize - 1) / blockSize);
        }
        int contextLen = maxBlocks * blockSize;
        int[] rows = new int[seqs.length * queryLen];
        int[] table = new int[seqs.length * maxBlocks];
        float[] mask = new float[seqs.length * queryLen * contextLen];
        for (int i = 0; i < seqs.length; i++) {
            int s = seqs[i];
            int ctx = batch.contextLens()[s];
            int[] blocks = batch.blockTables()[s];
            System.arraycopy(blocks, 0, table, i * maxBlocks, Math.min(blocks.length, maxBlocks));
            for (int r = 0; r < queryLen; r++) {
                rows[i * queryLen + r] = firstToken[s] + r;
                int visible = ctx - queryLen + r + 1; // causal: the context before it, and itself
                int base = (i * queryLen + r) * contextLen;
                Arrays.fill(mask, base + visible, base + contextLen, Float.NEGATIVE_INFINITY);
            }
        }
        return new Group(
                seqs.length,
                queryLen,
                contextLen,
                m.create(rows),
                m.create(table, new Shape(seqs.length, maxBlocks)),
                m.create(mask, new Shape(seqs.length, 1, 1, queryLen, contextLen)));
    }
}
