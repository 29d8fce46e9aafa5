package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The paged KV cache on the device: per layer, K and V as {@code [kvHeads, numBlocks, blockSize,
 * headDim]}. Blocks, block tables and slots are vLLM's; the pool is head-major (vLLM puts the block
 * first) so that selecting a sequence's blocks yields each KV head's context as one matrix, which the
 * query heads sharing that KV head attend to directly, with no second copy. The model's program writes
 * new keys and values in place at their slots and reads a sequence's context through its block table.
 */
public final class KvCache {
    private final int numBlocks;
    private final int blockSize;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final DataType dtype;

    public KvCache(ModelConfig config, int numBlocks, int blockSize, DataType dtype, NDManager manager) {
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.dtype = dtype;
        int layers = config.numLayers();
        keys = new NDArray[layers];
        values = new NDArray[layers];
        Shape blocks = Bfloat16.javaShape(new Shape(config.numKvHeads(), numBlocks, blockSize, config.headDim()), dtype);
        // All-zero bytes are zeros in every dtype, the carrier's too.
        DataType javaType = Bfloat16.javaType(dtype);
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(blocks, javaType);
            values[l] = manager.zeros(blocks, javaType);
        }
    }

    /** Bytes one cached token takes over all layers, K and V. */
    public static long bytesPerToken(ModelConfig config, DataType dtype) {
        return 2L * config.numLayers() * config.kvSize() * dtype.getNumOfBytes();
    }

    /**
     * How many blocks of {@code blockSize} tokens fit in {@code memoryBytes}: the one place the KV
     * cache is sized, for the engine and for the benchmarks' baselines alike.
     *
     * @throws IllegalArgumentException when not even one block fits
     */
    public static int numBlocks(ModelConfig config, DataType dtype, int blockSize, long memoryBytes) {
        long bytesPerBlock = bytesPerToken(config, dtype) * blockSize;
        long blocks = memoryBytes / bytesPerBlock;
        if (blocks < 1) {
            throw new IllegalArgumentException("kv-cache-memory " + memoryBytes + " bytes holds no block: one block of "
                    + blockSize + " tokens takes " + bytesPerBlock + " bytes");
        }
        return (int) Math.min(Integer.MAX_VALUE, blocks);
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    public DataType dtype() {
        return dtype;
    }

    NDArray[] keys() {
        return keys;
    }

    NDArray[] values() {
        return values;
    }
}
