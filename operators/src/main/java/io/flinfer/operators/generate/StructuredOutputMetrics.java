package io.flinfer.operators.generate;

import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.structured.StructuredOutputs;
import java.util.function.ToLongFunction;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Structured-output metrics: engine-wide gauges, because the TaskManager's engine compiles and
 * caches grammars for all the subtasks that share it. Zero until the first constrained request
 * (reading them never builds the vocabulary's trie).
 */
final class StructuredOutputMetrics {
    private StructuredOutputMetrics() {}

    static void register(MetricGroup group, LlmEngine engine) {
        gauge(group, engine, "structured_output_requests", s -> s.stats().requests());
        gauge(group, engine, "structured_output_compiles", s -> s.stats().compiles());
        gauge(group, engine, "structured_output_cache_hits", s -> s.stats().cacheHits());
        gauge(group, engine, "structured_output_compile_microseconds", s -> s.stats().compileNanos() / 1000);
        gauge(group, engine, "structured_output_mask_microseconds", s -> s.stats().maskNanos() / 1000);
        gauge(group, engine, "structured_output_mask_steps", s -> s.stats().maskSteps());
        gauge(group, engine, "structured_output_mask_step_p50_microseconds", s -> s.recentMaskNanos(0.5) / 1000);
        gauge(group, engine, "structured_output_mask_step_p99_microseconds", s -> s.recentMaskNanos(0.99) / 1000);
        gauge(group, engine, "structured_output_forced_tokens", s -> s.stats().forcedTokens());
    }

    private static void gauge(MetricGroup group, LlmEngine engine, String name, ToLongFunction<StructuredOutputs> value) {
        group.gauge(name, (Gauge<Long>) () -> engine.structuredOutputsInUse().map(value::applyAsLong).orElse(0L));
    }
}
