package io.flinfer.local;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flinfer.engine.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared stories260K model, found through the system property flinfer.shared; tests skip without it. */
final class TestModel {
    /** Far below the engine's default: a handful of engines live in one test JVM. */
    private static final long KV_CACHE_BYTES = 16L << 20;

    private TestModel() {}

    static Path stories260K() {
        String shared = System.getProperty("flinfer.shared");
        Path dir = shared == null ? null : Path.of(shared, "models", "stories260K");
        assumeTrue(dir != null && Files.isRegularFile(dir.resolve("tokenizer.json")),
                "Skipped: the shared model " + dir + " (system property flinfer.shared=" + shared + ") is absent");
        return dir;
    }

    /** An engine configuration for stories260K with a small KV cache. */
    static EngineConfig engine() {
        return EngineConfig.defaults(stories260K()).withKvCacheMemory(KV_CACHE_BYTES);
    }
}
