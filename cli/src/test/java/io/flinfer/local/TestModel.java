package io.flinfer.local;

import io.flinfer.engine.EngineConfig;
import io.flinfer.models.BundledModels;

/** The engine configuration the pipeline tests run: the bundled stories260K model with a small KV cache. */
final class TestModel {
    /** Far below the engine's default: a handful of engines live in one test JVM. */
    private static final long KV_CACHE_BYTES = 16L << 20;

    private TestModel() {}

    static EngineConfig engine() {
        return EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(KV_CACHE_BYTES);
    }
}
