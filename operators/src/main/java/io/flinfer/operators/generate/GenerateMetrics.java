package io.flinfer.operators.generate;

import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.RequestTimings;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.model.ComputePaths;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The generate operator's metrics, named after vLLM's. Engine gauges describe the TaskManager's
 * shared engine; counters and histograms count this subtask's own requests, so summing subtasks
 * gives the job's totals.
 */
final class GenerateMetrics {
    private static final int WINDOW = 1000;

    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Counter prefixCacheQueries;
    private final Counter prefixCacheHits;
    private final Counter successStop;
    private final Counter successLength;
    private final Map<GenerationFailure, Counter> errors = new EnumMap<>(GenerationFailure.class);
    private final Counter resumedRequests;
    private final Counter resumedTokens;
    private final Histogram timeToFirstToken;
    private final Histogram interTokenLatency;
    private final Histogram e2eLatency;
    private final Histogram queueTime;

    GenerateMetrics(MetricGroup group, EngineHost engine, IntSupplier inFlight) {
        group.gauge("num_requests_running", (Gauge<Integer>) () -> engine.stats().numRequestsRunning());
        group.gauge("num_requests_waiting", (Gauge<Integer>) () -> engine.stats().numRequestsWaiting());
        group.gauge("kv_cache_usage_perc", (Gauge<Double>) () -> engine.stats().kvCacheUsage());
        group.gauge("num_preemptions", (Gauge<Long>) () -> engine.stats().numPreemptions());
        group.gauge("in_flight_requests", (Gauge<Integer>) inFlight::getAsInt);
        // Not in vLLM: 1 - rate(engine_step_seconds) is the engine's idle fraction, time it waited for work.
        group.gauge("engine_step_seconds", (Gauge<Double>) engine::stepSeconds);
        ComputePaths paths = engine.engine().computePaths();
        // An info metric, as Prometheus writes them: always 1, the facts in its labels.
        group.addGroup("device", paths.device()).addGroup("dtype", paths.dtype())
                .addGroup("linear_path", paths.linear()).addGroup("attention_path", paths.attention())
                .gauge("engine_info", (Gauge<Integer>) () -> 1);
        StructuredOutputMetrics.register(group, engine.engine());
        promptTokens = group.counter("prompt_tokens");
        generationTokens = group.counter("generation_tokens");
        prefixCacheQueries = group.counter("prefix_cache_queries");
        prefixCacheHits = group.counter("prefix_cache_hits");
        successStop = group.addGroup("finished_reason", "stop").counter("request_success");
        successLength = group.addGroup("finished_reason", "length").counter("request_success");
        for (GenerationFailure failure : GenerationFailure.values()) {
            errors.put(failure, group.addGroup("error_kind", failure.label()).counter("request_errors"));
        }
        // Not in vLLM: requests restored from a checkpoint, and the tokens they kept instead of generating again.
        resumedRequests = group.counter("resumed_requests");
        resumedTokens = group.counter("resumed_tokens");
        timeToFirstToken = histogram(group, "time_to_first_token_microseconds");
        interTokenLatency = histogram(group, "inter_token_latency_microseconds");
        e2eLatency = histogram(group, "e2e_request_latency_microseconds");
        queueTime = histogram(group, "request_queue_time_microseconds");
    }

    private static Histogram histogram(MetricGroup group, String name) {
        return group.histogram(name, new DescriptiveStatisticsHistogram(WINDOW));
    }

    void resumed(int keptTokens) {
        resumedRequests.inc();
        resumedTokens.inc(keptTokens);
    }

    void failed(GenerationFailure failure) {
        errors.get(failure).inc();
    }

    void finished(RequestOutput out) {
        (out.finishReason() == FinishReason.LENGTH ? successLength : successStop).inc();
        promptTokens.inc(out.numPromptTokens());
        generationTokens.inc(out.outputTokenIds().length);
        prefixCacheQueries.inc(out.numPromptTokens());
        prefixCacheHits.inc(out.numCachedTokens());
        RequestTimings t = out.timings();
        // Flink histograms hold integers, hence microseconds (vLLM reports seconds).
        timeToFirstToken.update(micros(t.timeToFirstTokenSeconds()));
        interTokenLatency.update(micros(t.timePerOutputTokenSeconds()));
        e2eLatency.update(micros(t.e2eSeconds()));
        queueTime.update(micros(t.queueSeconds()));
    }

    private static long micros(double seconds) {
        return Math.round(seconds * 1e6);
    }
}
