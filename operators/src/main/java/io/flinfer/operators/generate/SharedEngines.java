package io.flinfer.operators.generate;

import io.flinfer.engine.EngineConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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

    /** Each TaskManager's engine, loaded or loading; a load that failed is forgotten, so a restart tries again. */
    private static final Map<Key, CompletableFuture<EngineHost>> ENGINES = new HashMap<>();
    /** Engines loading or loaded ahead, for the first TaskManager of this JVM that asks for their settings. */
    private static final Map<EngineConfig, CompletableFuture<EngineHost>> PRELOADED = new HashMap<>();

    private SharedEngines() {}

    /**
     * The engine of one TaskManager ({@code taskManagerId} is Flink's TaskManager resource id); the
     * first subtask to ask loads it (or adopts the one {@link #preload} loads) and the others wait for it.
     */
    public static EngineHost get(EngineConfig config, String taskManagerId) {
        Key key = new Key(config, taskManagerId);
        CompletableFuture<EngineHost> engine;
        boolean loadHere = false;
        synchronized (SharedEngines.class) {
            engine = ENGINES.get(key);
            if (engine == null) {
                engine = PRELOADED.remove(config);
                if (engine == null) {
                    engine = new CompletableFuture<>();
                    loadHere = true;
                }
                ENGINES.put(key, engine);
            }
        }
        if (loadHere) {
            load(config, engine);
        }
        try {
            return engine.join();
        } catch (CompletionException e) {
            synchronized (SharedEngines.class) {
                ENGINES.remove(key, engine);
            }
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Starts loading an engine in the background for the first TaskManager of this JVM that asks for
     * {@code config}: a local run loads its model while its cluster starts and its job deploys, whose
     * TaskManager id is not known yet. Waiting on the result gives the load's failure, if any.
     */
    public static synchronized CompletableFuture<EngineHost> preload(EngineConfig config) {
        return PRELOADED.computeIfAbsent(config, c -> {
            CompletableFuture<EngineHost> loading = new CompletableFuture<>();
            Thread loader = new Thread(() -> load(c, loading), "flinfer-engine-preload");
            loader.setDaemon(true);
            loader.start();
            return loading;
        });
    }

    /** The engines loaded in this JVM: an in-process benchmark reads how busy they were. */
    public static synchronized List<EngineHost> loaded() {
        return ENGINES.values().stream().filter(e -> e.isDone() && !e.isCompletedExceptionally())
                .map(CompletableFuture::join).distinct().toList();
    }

    private static void load(EngineConfig config, CompletableFuture<EngineHost> into) {
        try {
            EngineHost host = new EngineHost(config);
            Runtime.getRuntime().addShutdownHook(new Thread(host::close, "flinfer-engine-shutdown"));
            into.complete(host);
        } catch (Throwable e) {
            into.completeExceptionally(e);
        }
    }
}
