package io.flinfer.bench;

import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.ModelConfig;
import ai.djl.ndarray.types.DataType;

/**
 * What a model costs the machine per token and per step: {@code 2 x matmul parameters} FLOPs per
 * computed token (a multiply and an add per weight); per step, one read of the matrix weights plus
 * the cached keys and values attention reads.
 */
public record ModelCosts(long matmulParameters, long weightBytes, long kvBytesPerToken) {
    public static ModelCosts of(ModelConfig config, DataType dtype) {
        return new ModelCosts(config.matmulParameters(), config.matmulParameters() * dtype.getNumOfBytes(),
                KvCache.bytesPerToken(config, dtype));
    }

    public double flops(long computedTokens) {
        return 2.0 * matmulParameters * computedTokens;
    }

    public double bytesRead(long steps, long contextTokensRead) {
        return (double) weightBytes * steps + (double) kvBytesPerToken * contextTokensRead;
    }
}
