package io.flinfer.bench;

import io.flinfer.engine.model.ComputePaths;
import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.ModelConfig;
import ai.djl.ndarray.types.DataType;

/**
 * What a model costs the machine per token and per step: {@code 2 x matmul parameters} FLOPs per
 * computed token (a multiply and an add per weight); per step, one read of the matrix weights plus
 * the cached keys and values attention reads. A weight is read at the size its product reads: one
 * byte on an int8 path (the per-channel scales, well under 1% more, left out), the compute dtype's
 * size otherwise.
 */
public record ModelCosts(long matmulParameters, long weightBytes, long kvBytesPerToken) {
    public static ModelCosts of(ModelConfig config, DataType dtype, ComputePaths paths) {
        long bytesPerWeight = paths.linear().startsWith(ComputePaths.INT8) ? 1 : dtype.getNumOfBytes();
        return new ModelCosts(config.matmulParameters(), config.matmulParameters() * bytesPerWeight,
                KvCache.bytesPerToken(config, dtype));
    }

    public double flops(long computedTokens) {
        return 2.0 * matmulParameters * computedTokens;
    }

    public double bytesRead(long steps, long contextTokensRead) {
        return (double) weightBytes * steps + (double) kvBytesPerToken * contextTokensRead;
    }
}
