package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.model.KvCache;
import io.flinfer.models.BundledModels;
import org.junit.jupiter.api.Test;

/** The KV cache's bytes the engine reports: as many whole blocks as --kv-cache-memory holds, in the cache's dtype. */
class KvCacheBytesTest {

    @Test
    void reportsTheBlocksThatFitTheBudget() {
        long budget = 1 << 20;
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(budget))) {
            long perBlock = KvCache.bytesPerToken(engine.modelConfig(), DataType.FLOAT32) * engine.blockSize();
            assertThat(engine.kvCacheBytes())
                    .isEqualTo(engine.blockPool().numBlocks() * perBlock)
                    .isLessThanOrEqualTo(budget)
                    .isGreaterThan(budget - perBlock);
        }
    }
}
