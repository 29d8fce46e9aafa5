package io.flinfer.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.RequestTimings;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each record's end-to-end latency went, from its publication to its result being visible to
 * a {@code read_committed} consumer: before the engine (Kafka, source, parsing, routing, the
 * operator's in-flight limit), queued in the engine for a slot, generating, and from the last token
 * to visibility (sink, then the checkpoint that commits it under exactly-once). Also the time to
 * the first token, from publication. Milliseconds; summaries over the records of one run.
 */
record LatencyParts(LatencySummary ttft, LatencySummary beforeEngine, LatencySummary engineQueue,
        LatencySummary generation, LatencySummary toVisible) {

    /** Collects one run's records. */
    static final class Recorder {
        private final List<double[]> records = new ArrayList<>();

        /** One record: published and visible are this process's {@link System#nanoTime()}, as the timings are. */
        void add(long publishedNanos, RequestTimings engine, long visibleNanos) {
            records.add(new double[] {
                    millis(engine.firstTokenNanos() - publishedNanos),
                    millis(engine.arrivalNanos() - publishedNanos),
                    millis(engine.firstScheduledNanos() - engine.arrivalNanos()),
                    millis(engine.finishedNanos() - engine.firstScheduledNanos()),
                    millis(visibleNanos - engine.finishedNanos())});
        }

        LatencyParts summary() {
            return new LatencyParts(part(0), part(1), part(2), part(3), part(4));
        }

        private LatencySummary part(int i) {
            return LatencySummary.of(records.stream().mapToDouble(r -> r[i]).toArray());
        }

        private static double millis(long nanos) {
            return nanos / 1e6;
        }
    }

    void writeTo(ObjectNode json) {
        ttft.writeTo(json.putObject("ttft_ms"));
        beforeEngine.writeTo(json.putObject("before_engine_ms"));
        engineQueue.writeTo(json.putObject("engine_queue_ms"));
        generation.writeTo(json.putObject("generation_ms"));
        toVisible.writeTo(json.putObject("finished_to_visible_ms"));
    }
}
