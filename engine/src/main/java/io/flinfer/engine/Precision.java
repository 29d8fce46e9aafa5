package io.flinfer.engine;

import ai.djl.ndarray.types.DataType;

/**
 * The dtypes an engine computes and caches in and how its weights are stored, resolved from what
 * was asked ({@code --dtype}, {@code --kv-cache-dtype}, {@code --quantization}), the checkpoint's
 * stored dtype and the device. Logits and sampling are float32 whatever these are.
 *
 * @param compute the dtype of weights and activations
 * @param kvCache the KV cache's dtype: the compute dtype unless {@code --kv-cache-dtype} says otherwise
 * @param note what the log should say once about the choice (a slow or widened dtype), or null
 */
public record Precision(DataType compute, DataType kvCache, Quantization quantization, String note) {
    /** The tensor whose stored dtype stands for the checkpoint's. */
    static final String PROBE_TENSOR = "model.embed_tokens.weight";

    static Precision resolve(EngineConfig config, DataType stored, boolean cpuBf16) {
        ComputeDevice device = config.device();
        DataType compute = config.dtype().resolve(device, stored, cpuBf16);
        DataType kvCache = config.kvCacheDtype() == Dtype.AUTO ? compute
                : config.kvCacheDtype().resolve(device, compute, cpuBf16);
        String note = null;
        if (!device.isGpu() && compute == DataType.BFLOAT16 && !cpuBf16) {
            note = "dtype bfloat16 on a CPU without BF16 instructions (avx512_bf16 or AMX): it runs, slowly; "
                    + "float32 is faster here";
        } else if (!device.isGpu() && config.dtype() == Dtype.AUTO && stored != compute) {
            note = "the checkpoint is " + stored + "; this CPU computes " + compute
                    + (stored == DataType.BFLOAT16 ? " (it lacks avx512_bf16 and AMX)" : "")
                    + ", so the weights are widened to it";
        }
        return new Precision(compute, kvCache, config.quantization(), note);
    }
}
