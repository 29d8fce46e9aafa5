package io.flinfer.operators.generate;

import io.flinfer.engine.RequestTimings;
import java.util.function.BiConsumer;

/**
 * Hands each finished request's engine milestones, by {@code custom_id}, to an observer in the same
 * process: how a benchmark that runs the whole pipeline in its own JVM splits a record's latency
 * into its parts (before the engine, in it, waiting for the commit). The milestones are
 * {@link System#nanoTime()} values, comparable only within one process, so they never travel in a
 * result record; with no observer (any real deployment) the tap does nothing.
 */
public final class FinishedRequestTap {
    private static volatile BiConsumer<String, RequestTimings> observer;

    /** Stops the observation it was returned for. */
    public interface Observation extends AutoCloseable {
        @Override
        void close();
    }

    private FinishedRequestTap() {}

    /** Starts handing finished requests to {@code o}, in place of any earlier observer. */
    public static Observation observe(BiConsumer<String, RequestTimings> o) {
        observer = o;
        return () -> observer = null;
    }

    static void finished(String customId, RequestTimings timings) {
        BiConsumer<String, RequestTimings> o = observer;
        if (o != null) {
            o.accept(customId, timings);
        }
    }
}
