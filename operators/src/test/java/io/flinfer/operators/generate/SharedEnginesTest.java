package io.flinfer.operators.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.models.BundledModels;
import org.junit.jupiter.api.Test;

/**
 * An engine loaded ahead ({@link SharedEngines#preload}, while a local cluster starts) is the one the
 * first TaskManager to ask for its settings gets, so the model loads once; another TaskManager gets
 * an engine of its own.
 */
class SharedEnginesTest {
    @Test
    void theFirstTaskManagerAdoptsThePreloadedEngineAndAnotherLoadsItsOwn() {
        // A KV cache size no other test uses: engines are shared per JVM and live until it exits.
        EngineConfig config = EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(6 << 20);
        EngineHost preloaded = SharedEngines.preload(config).join();
        assertThat(SharedEngines.preload(config).join()).as("preloading twice loads once").isSameAs(preloaded);

        assertThat(SharedEngines.get(config, "tm-1")).isSameAs(preloaded);
        assertThat(SharedEngines.get(config, "tm-1")).as("its other subtasks share it").isSameAs(preloaded);
        assertThat(SharedEngines.get(config, "tm-2")).isNotSameAs(preloaded);
    }
}
