package io.flinfer.engine;

import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.model.Checkpoint;
import io.flinfer.engine.model.CpuFeatures;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * How to build an engine, with vLLM's option names: the model folder, where and in which dtype to
 * compute, and the scheduler and KV-cache limits. {@code maxModelLen} 0 means the model's own
 * {@code max_position_embeddings}, capped by what the KV cache can hold. Serializable, so a Flink
 * job can ship it to its operators; {@code model} is a folder path; {@code lora} the adapters served over it. The defaults are here and only
 * here: command-line options name these constants.
 */
public record EngineConfig(
        String model,
        Dtype dtype,
        ComputeDevice device,
        int blockSize,
        long kvCacheMemoryBytes,
        int maxNumSeqs,
        int maxNumBatchedTokens,
        int maxModelLen,
        boolean enablePrefixCaching,
        boolean enableChunkedPrefill,
        LoraConfig lora,
        Dtype kvCacheDtype,
        Quantization quantization) implements Serializable {

    public static final String DEFAULT_DTYPE = "auto";
    public static final String DEFAULT_KV_CACHE_DTYPE = "auto";
    public static final String DEFAULT_QUANTIZATION = "none";
    public static final String DEFAULT_DEVICE = "cpu";
    public static final int DEFAULT_BLOCK_SIZE = 16;
    /** The KV cache's memory as {@code --kv-cache-memory} writes it; {@link #DEFAULT_KV_CACHE_MEMORY} in bytes. */
    public static final String DEFAULT_KV_CACHE_MEMORY_SIZE = "512MiB";
    public static final long DEFAULT_KV_CACHE_MEMORY = 512L << 20;
    public static final int DEFAULT_MAX_NUM_SEQS = 256;
    public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;

    public EngineConfig {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block_size must be positive, got " + blockSize);
        }
        if (dtype == null || device == null) {
            throw new IllegalArgumentException("dtype and device are required, got " + dtype + " and " + device);
        }
        if (kvCacheMemoryBytes < 1) {
            throw new IllegalArgumentException("kv_cache_memory must be positive, got " + kvCacheMemoryBytes);
        }
        if (lora == null) {
            throw new IllegalArgumentException("lora is required (LoraConfig.NONE for no adapters)");
        }
        if (kvCacheDtype == null || quantization == null) {
            throw new IllegalArgumentException("kv_cache_dtype and quantization are required, got " + kvCacheDtype
                    + " and " + quantization);
        }
    }

    /** Without LoRA adapters. */
    public EngineConfig(String model, Dtype dtype, ComputeDevice device, int blockSize, long kvCacheMemoryBytes,
            int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, boolean enablePrefixCaching,
            boolean enableChunkedPrefill) {
        this(model, dtype, device, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens, maxModelLen,
                enablePrefixCaching, enableChunkedPrefill, LoraConfig.NONE);
    }

    /** Computing and caching in {@code dtype}, weights unquantized. */
    public EngineConfig(String model, Dtype dtype, ComputeDevice device, int blockSize, long kvCacheMemoryBytes,
            int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, boolean enablePrefixCaching,
            boolean enableChunkedPrefill, LoraConfig lora) {
        this(model, dtype, device, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens, maxModelLen,
                enablePrefixCaching, enableChunkedPrefill, lora, Dtype.parse(DEFAULT_KV_CACHE_DTYPE),
                Quantization.parse(DEFAULT_QUANTIZATION));
    }

    /**
     * The dtypes the engine computes and caches in: {@link #dtype} and {@link #kvCacheDtype} on
     * {@link #device} for the checkpoint's stored dtype (read from its header) on this CPU.
     */
    public Precision precision() {
        return Precision.resolve(this, new Checkpoint(modelPath()).storedType(Precision.PROBE_TENSOR),
                CpuFeatures.hasBf16());
    }

    /** The tensor type the engine computes in. */
    public DataType dataType() {
        return precision().compute();
    }

    /** Defaults for {@code model}: float32 on the CPU, prefix caching and chunked prefill on. */
    public static EngineConfig defaults(Path model) {
        return new EngineConfig(model.toString(), Dtype.parse(DEFAULT_DTYPE), ComputeDevice.parse(DEFAULT_DEVICE), DEFAULT_BLOCK_SIZE, DEFAULT_KV_CACHE_MEMORY,
                DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS, 0, true, true);
    }

    public Path modelPath() {
        return Path.of(model);
    }

    public EngineConfig withKvCacheMemory(long bytes) {
        return new EngineConfig(model, dtype, device, blockSize, bytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, enablePrefixCaching, enableChunkedPrefill, lora, kvCacheDtype, quantization);
    }

    public EngineConfig withLimits(int seqs, int batchedTokens, int modelLen) {
        return new EngineConfig(model, dtype, device, blockSize, kvCacheMemoryBytes, seqs, batchedTokens,
                modelLen, enablePrefixCaching, enableChunkedPrefill, lora, kvCacheDtype, quantization);
    }

    /** This config computing in {@code compute}, caching in {@code kvCache}, with {@code quant}. */
    public EngineConfig withPrecision(Dtype compute, Dtype kvCache, Quantization quant) {
        return new EngineConfig(model, compute, device, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, enablePrefixCaching, enableChunkedPrefill, lora, kvCache, quant);
    }

    public EngineConfig withDevice(ComputeDevice d) {
        return new EngineConfig(model, dtype, d, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, enablePrefixCaching, enableChunkedPrefill, lora, kvCacheDtype, quantization);
    }

    public EngineConfig withFeatures(boolean prefixCaching, boolean chunkedPrefill) {
        return new EngineConfig(model, dtype, device, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, prefixCaching, chunkedPrefill, lora, kvCacheDtype, quantization);
    }

    /** The same engine serving {@code adapters} over its model. */
    public EngineConfig withLora(LoraConfig adapters) {
        return new EngineConfig(model, dtype, device, blockSize, kvCacheMemoryBytes, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, enablePrefixCaching, enableChunkedPrefill, adapters, kvCacheDtype, quantization);
    }
}
