package io.flinfer.operators.generate;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.EngineStats;
import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.sampling.SamplingParams;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine and the loop that drives it. Tasks submit and abort requests from any thread; the
 * loop adds them between steps, steps while anything is unfinished, and reports each request's
 * progress to its listener. The loop runs on the engine's own tensor thread, so a step is one
 * thread hop from the task, and the operator's other threads never compete with it.
 */
public final class EngineHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineHost.class);
    /** The error of a request that ran past its deadline. */
    static final String TIMED_OUT = "request timed out";
    /** How the message of a request that failed with the engine begins. */
    static final String ENGINE_FAILURE = "engine failure: ";

    private record Live(GenerationListener listener, long deadlineNanos) {}

    /** What a task asks of the loop, applied between steps to the requests it runs. */
    @FunctionalInterface
    private interface Command {
        void apply(Map<String, Live> live);
    }

    private final LlmEngine engine;
    private final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final Future<?> loop;
    private volatile EngineStats stats;
    /** Time the loop has spent inside engine steps; the rest of its life it waited for work. */
    private volatile long stepNanos;
    private volatile long steps;
    private volatile boolean closed;

    EngineHost(EngineConfig config) {
        engine = LlmEngine.create(config);
        stats = engine.stats();
        loop = engine.startOnTensorThread(this::run);
    }

    public LlmEngine engine() {
        return engine;
    }

    /**
     * Seconds spent stepping since the engine loaded; safe from any thread. Over a window, one minus
     * its increase divided by the window is the engine's idle fraction: time it waited for the task
     * to hand it work.
     */
    public double stepSeconds() {
        return stepNanos / 1e9;
    }

    /** Steps taken since the engine loaded; safe from any thread. */
    public long steps() {
        return steps;
    }

    /** The counters as of the last step; safe from any thread. */
    public EngineStats stats() {
        return stats;
    }

    /**
     * Queues a request. Its tokens before a restart go in {@code resumedOutputIds}: they are
     * recomputed, not generated again. A request still unfinished at {@code deadlineNanos}
     * (System.nanoTime) is aborted and reported as an error. It runs with LoRA adapter {@code lora}
     * (null: the base model); an adapter that cannot be loaded fails it as rejected, with the reason.
     */
    public void submit(String id, int[] promptIds, SamplingParams params, String cacheSalt, int[] resumedOutputIds,
            String lora, long deadlineNanos, GenerationListener listener) {
        commands.add(live -> {
            try {
                engine.addRequest(id, promptIds, params, cacheSalt, resumedOutputIds, lora);
                live.put(id, new Live(listener, deadlineNanos));
            } catch (IllegalArgumentException e) {
                listener.onFailed(GenerationFailure.REJECTED, e.getMessage());
            }
        });
    }

    /** Drops a request without reporting it (its task is going away). */
    public void abort(String id) {
        commands.add(live -> {
            if (live.remove(id) != null) {
                engine.abort(id);
            }
        });
    }

    private void run() {
        Map<String, Live> live = new HashMap<>();
        while (!closed) {
            try {
                Command command = live.isEmpty() ? commands.poll(100, TimeUnit.MILLISECONDS) : commands.poll();
                for (; command != null; command = commands.poll()) {
                    command.apply(live);
                }
                if (!live.isEmpty()) {
                    long start = System.nanoTime();
                    List<RequestOutput> outputs = engine.step();
                    stepNanos += System.nanoTime() - start;
                    steps++;
                    for (RequestOutput out : outputs) {
                        report(out, live);
                    }
                    expire(live);
                }
                stats = engine.stats();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // An engine failure must not kill the thread silently: fail what is running, keep serving.
                LOG.error("engine step failed; failing {} running requests", live.size(), e);
                for (Map.Entry<String, Live> entry : live.entrySet()) {
                    engine.abort(entry.getKey());
                    try {
                        entry.getValue().listener.onFailed(GenerationFailure.ENGINE_FAILURE, ENGINE_FAILURE + e.getMessage());
                    } catch (RuntimeException listenerFailure) {
                        LOG.warn("could not report the failure of {}", entry.getKey(), listenerFailure);
                    }
                }
                live.clear();
            }
        }
    }

    private static void report(RequestOutput out, Map<String, Live> live) {
        Live request = out.finished() ? live.remove(out.requestId()) : live.get(out.requestId());
        if (request == null) {
            return;
        }
        if (out.finished()) {
            request.listener.onFinished(out);
        } else if (out.newTokenIds().length > 0) {
            request.listener.onTokens(out.newTokenIds());
        }
    }

    private void expire(Map<String, Live> live) {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<String, Live>> it = live.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Live> entry = it.next();
            if (now - entry.getValue().deadlineNanos > 0) {
                it.remove();
                engine.abort(entry.getKey());
                entry.getValue().listener.onFailed(GenerationFailure.TIMEOUT, TIMED_OUT);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        loop.cancel(true);
        // Closing waits on the tensor thread, so it runs once the loop has left it.
        engine.close();
    }
}
