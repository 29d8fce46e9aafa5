package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The paged KV cache on the device: per layer, K and V as {@code [numBlocks, blockSize, kvHeads,
 * headDim]}. New keys and values are written in place at their slots; attention reads a sequence's
 * context through its block table. Nothing is ever copied per step.
 */
public final class KvCache {
    private final int numBlocks;
    private final int blockSize;
    private final NDArray[] keys;
    private final NDArray[] values;
    /** Views of the same memory as {@code [numBlocks * blockSize, kvHeads, headDim]}, for writes by slot. */
    private final NDArray[] keySlots;
    private final NDArray[] valueSlots;

    public KvCache(ModelConfig config, int numBlocks, int blockSize, DataType dtype, NDManager manager) {
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        int layers = config.numLayers();
        keys = new NDArray[layers];
        values = new NDArray[layers];
        keySlots = new NDArray[layers];
        valueSlots = new NDArray[layers];
        Shape blocks = new Shape(numBlocks, blockSize, config.numKvHeads(), config.headDim());
        Shape slots = new Shape((long) numBlocks * blockSize, config.numKvHeads(), config.headDim());
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(blocks, dtype);
            values[l] = manager.zeros(blocks, dtype);
            keySlots[l] = keys[l].reshape(slots);
            valueSlots[l] = values[l].reshape(slots);
        }
    }

    /** Bytes one cached token takes over all layers, K and V. */
    public static long bytesPerToken(ModelConfig config, DataType dtype) {
        return 2L * config.numLayers() * config.kvSize() * dtype.getNumOfBytes();
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Stores {@code k} and {@code v} ({@code [tokens, kvHeads, headDim]}) at {@code slots}. */
    void write(int layer, NDArray slots, NDArray k, NDArray v) {
        NDIndex at = new NDIndex("{}", slots);
        keySlots[layer].set(at, k);
        valueSlots[layer].set(at, v);
    }

    /**
     * The cached keys and values of sequences whose blocks are {@code blockTable} ({@code [seqs,
     * maxBlocks]}), as {@code [seqs, maxBlocks * blockSize, kvHeads, headDim]} arrays owned by
     * {@code manager}.
     */
    NDArray[] gather(int layer, NDArray blockTable, NDManager manager) {
        NDIndex at = new NDIndex("{}", blockTable);
        long seqs = blockTable.getShape().get(0);
        long tokens = blockTable.getShape().get(1) * blockSize;
        Shape shape = new Shape(seqs, tokens, keys[layer].getShape().get(2), keys[layer].getShape().get(3));
        return new NDArray[] {
            keys[layer].get(manager, at).reshape(shape), values[layer].get(manager, at).reshape(shape)
        };
    }
}
