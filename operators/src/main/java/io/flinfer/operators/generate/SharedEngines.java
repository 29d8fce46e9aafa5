package io.flinfer.operators.generate;

import io.flinfer.engine.EngineConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * One engine per (model, device, settings) per JVM, shared by every subtask in the TaskManager and
 * kept loaded when tasks restart: loading weights and warming a GPU take far longer than a restart
 * should. Engines live until the JVM exits.
 */
public final class SharedEngines {
    private static final Map<EngineConfig, EngineHost> ENGINES = new HashMap<>();

    private SharedEngines() {}

    public static synchronized EngineHost get(EngineConfig config) {
        return ENGINES.computeIfAbsent(config, c -> {
            EngineHost host = new EngineHost(c);
            Runtime.getRuntime().addShutdownHook(new Thread(host::close, "flinfer-engine-shutdown"));
            return host;
        });
    }
}
