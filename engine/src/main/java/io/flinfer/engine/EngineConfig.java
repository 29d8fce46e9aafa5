package io.flinfer.engine;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * How to build an engine, with vLLM's option names: the model folder, where and in which dtype to
 * compute, and the scheduler and KV-cache limits. {@code maxModelLen} 0 means the model's own
 * {@code max_position_embeddings}, capped by what the KV cache can hold. Serializable, so a Flink
 * job can ship it to its operators; {@code model} is a folder path.
 */
public record EngineConfig(
        String model,
        String dtype,
        String device,
        int blockSize,
        long kvCacheMemoryBytes,
        int maxNumSeqs,
        int maxNumBatchedTokens,
        int maxModelLen,
        boolean enablePrefixCaching,
        boolean enableChunkedPrefill) implements Serializable {

    public static final int DEFAULT_BLOCK_SIZE = 16;
    public static final long DEFAULT_KV_CACHE_MEMORY = 512L << 20;
    public static final int DEFAULT_MAX_NUM_SEQS = 256;
    public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;

    public EngineConfig {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block_size must be positive, got " + blockSize);
        }
        if (kvCacheMemoryBytes < 1) {
            throw new IllegalArgumentException("kv_cache_memory must be positive, got " + kvCacheMemoryBytes);
        }
    }

    /** Defaults for {@code model}: float32 on the CPU, prefix caching and chunked prefill on. */
    public static EngineConfig defaults(Path model) {
        return new EngineConfig(model.toString(), "auto", "cpu", DEFAULT_BLOCK_SIZE, DEFAULT_KV_CACHE_MEMORY,
                DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS, 0, true, true);
    }

    public Path modelPath() {
        return Path.of(model);
    }

    public EngineConfig withKvCacheMemory(long bytes) {
        return new EngineConfig(model, dtype, device, blockSize, bytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, enablePrefixCaching, enableChunkedPrefill);
    }

    public EngineConfig withLimits(int seqs, int batchedTokens, int modelLen) {
        return new EngineConfig(model, dtype, device, blockSize, kvCacheMemoryBytes, seqs, batchedTokens,
                modelLen, enablePrefixCaching, enableChunkedPrefill);
    }

    public EngineConfig withDevice(String d) {
        return new EngineConfig(model, dtype, d, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, enablePrefixCaching, enableChunkedPrefill);
    }

    public EngineConfig withFeatures(boolean prefixCaching, boolean chunkedPrefill) {
        return new EngineConfig(model, dtype, device, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, prefixCaching, chunkedPrefill);
    }
}
