package io.flinfer.operators.generate;

import io.flinfer.engine.EngineConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * One engine per (model, device, settings) per TaskManager, shared by every subtask in the
 * TaskManager and kept loaded when tasks restart: loading weights and warming a GPU take far longer
 * than a restart should. Engines live until the JVM exits.
 *
 * <p>A real TaskManager is a JVM of its own, so "per TaskManager" and "per JVM" agree there; a
 * MiniCluster runs several TaskManagers in one JVM, and keying by TaskManager gives each its own
 * engine as a cluster would (routing by prefix only matters when subtasks have different caches).
 */
public final class SharedEngines {
    private record Key(EngineConfig config, String taskManagerId) {}

    private static final Map<Key, EngineHost> ENGINES = new HashMap<>();

    private SharedEngines() {}

    /** The engine of one TaskManager ({@code taskManagerId} is Flink's TaskManager resource id). */
    public static synchronized EngineHost get(EngineConfig config, String taskManagerId) {
        return ENGINES.computeIfAbsent(new Key(config, taskManagerId), key -> {
            EngineHost host = new EngineHost(key.config());
            Runtime.getRuntime().addShutdownHook(new Thread(host::close, "flinfer-engine-shutdown"));
            return host;
        });
    }

    /** The engine for code that runs outside any TaskManager; one per JVM. */
    public static EngineHost get(EngineConfig config) {
        return get(config, "");
    }
}
