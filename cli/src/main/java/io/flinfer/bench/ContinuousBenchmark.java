package io.flinfer.bench;

import io.flinfer.engine.EngineStats;
import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.RequestTimings;
import io.flinfer.engine.StepProfile;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.StructuredOutput;
import java.util.List;

/**
 * Runs benchmark requests through the engine (continuous batching, paged KV cache, prefix cache), its
 * loop of steps on the engine's tensor thread as a pipeline's engine host runs it: no thread hop per step.
 */
public final class ContinuousBenchmark {
    private ContinuousBenchmark() {}

    /** All requests arrive at once; the engine steps until every one is done. */
    public static BenchResult allAtOnce(LlmEngine engine, List<BenchRequest> requests, String mode,
            BenchProgress progress, MachineLimits limits) {
        return allAtOnce(engine, requests, mode, progress, limits, null);
    }

    /**
     * All requests arrive at once, each under {@code constraint}: they end where it is complete or at
     * their output length, whichever comes first (EOS is allowed where the constraint is complete).
     *
     * @param constraint null for free text, which ignores EOS
     */
    public static BenchResult allAtOnce(LlmEngine engine, List<BenchRequest> requests, String mode,
            BenchProgress progress, MachineLimits limits, StructuredOutput constraint) {
        RunRecorder recorder = new RunRecorder(requests.size(), progress);
        EngineStats before = engine.stats();
        ProfileMark mark = new ProfileMark(engine.stepProfile());
        engine.runOnTensorThread(() -> {
            requests.forEach(r -> add(engine, r, constraint));
            drain(engine, recorder);
        });
        return result(engine, recorder, before, mark, mode, limits);
    }

    /**
     * Runs up to {@code steps} engine steps on {@code requests}, untimed, then aborts what is left, so that
     * a run measured after it finds the engine warm: the JVM compiles the engine's Java side over its
     * first few hundred steps (the Java part of a one-sequence step fell from 0.36-0.53 ms over the first
     * 256 steps to 0.20-0.28 ms after 768, docs/BENCHMARKS.md), and a pipeline runs far longer than a
     * benchmark. The requests should not share prefixes with the measured ones, whose cache hits they
     * would otherwise become.
     *
     * @return the steps run
     */
    public static int warmUp(LlmEngine engine, List<BenchRequest> requests, int steps) {
        int[] ran = {0};
        engine.runOnTensorThread(() -> {
            requests.forEach(r -> add(engine, r, null));
            while (ran[0] < steps && engine.hasUnfinishedRequests()) {
                engine.step();
                ran[0]++;
            }
            requests.forEach(r -> engine.abort(r.id()));
        });
        return ran[0];
    }

    /** Requests arrive one at a time: each is added once the one before it has finished. */
    public static BenchResult oneAtATime(LlmEngine engine, List<BenchRequest> requests, String mode,
            BenchProgress progress, MachineLimits limits) {
        RunRecorder recorder = new RunRecorder(requests.size(), progress);
        EngineStats before = engine.stats();
        ProfileMark mark = new ProfileMark(engine.stepProfile());
        engine.runOnTensorThread(() -> {
            for (BenchRequest r : requests) {
                add(engine, r, null);
                drain(engine, recorder);
            }
        });
        return result(engine, recorder, before, mark, mode, limits);
    }

    private static void add(LlmEngine engine, BenchRequest r, StructuredOutput constraint) {
        SamplingParams params = SamplingParams.builder()
                .temperature(0)
                .ignoreEos(constraint == null)
                .maxTokens(r.outputLen())
                .structuredOutput(constraint)
                .build();
        engine.addRequest(r.id(), r.promptIds(), params, null, new int[0], r.lora());
    }

    private static void drain(LlmEngine engine, RunRecorder recorder) {
        while (engine.hasUnfinishedRequests()) {
            for (RequestOutput out : engine.step()) {
                if (out.finished()) {
                    if (out.error() != null) {
                        throw new IllegalStateException("request " + out.requestId() + " failed: " + out.error());
                    }
                    RequestTimings t = out.timings();
                    recorder.finished(out.numPromptTokens(), out.numCachedTokens(), out.outputTokenIds().length,
                            t.arrivalNanos(), t.firstTokenNanos(), t.finishedNanos());
                }
            }
            EngineStats stats = engine.stats();
            long allocatedSlots = (long) (stats.numKvBlocks() - stats.numFreeKvBlocks()) * engine.blockSize();
            recorder.kvObserved(allocatedSlots, engine.numComputedTokens());
        }
    }

    private static BenchResult result(LlmEngine engine, RunRecorder recorder, EngineStats before, ProfileMark mark,
            String mode, MachineLimits limits) {
        EngineStats after = engine.stats();
        long queries = after.prefixCacheQueries() - before.prefixCacheQueries();
        long hits = after.prefixCacheHits() - before.prefixCacheHits();
        StepProfile profile = engine.stepProfile();
        return recorder.result(mode, queries == 0 ? 0 : (double) hits / queries, ModelCosts.of(engine.modelConfig(),
                engine.dtype(), engine.computePaths()), limits, profile.steps() - mark.steps(), profile.contextTokensRead() - mark.contextTokens());
    }

    /** The step counters when a run started. */
    private record ProfileMark(long steps, long contextTokens) {
        ProfileMark(StepProfile profile) {
            this(profile.steps(), profile.contextTokensRead());
        }
    }
}
