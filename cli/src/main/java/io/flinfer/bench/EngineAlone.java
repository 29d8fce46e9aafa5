package io.flinfer.bench;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LlmEngine;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The engine-alone baseline of the pipeline benchmarks: all requests at once, continuous batching,
 * measured after an untimed pass over the same workload.
 */
public final class EngineAlone {
    private EngineAlone() {}

    /**
     * The first pass over new batch shapes is several times slower on CPU (kernel setup), and that setup
     * is process-wide: whichever path ran first would pay for both. So the workload runs once untimed,
     * on an engine of its own, whose prefix cache then goes away with it. Runs on a fresh thread, as the
     * pipeline's EngineHost steps its engine: on this machine the same engine stepped ~10x slower on the
     * command's main thread (measured with the tiny model: 19 vs 203 output tokens/s), which would flatter
     * the pipeline.
     */
    public static BenchResult measure(EngineConfig config, List<BenchRequest> requests, MachineLimits limits, PrintWriter err)
            throws Exception {
        return onOwnThread(() -> {
            try (LlmEngine llm = LlmEngine.create(config)) {
                requireFits(requests, llm.maxModelLen());
                ContinuousBenchmark.allAtOnce(llm, requests, "warm-up", new BenchProgress(err, "warm-up, untimed"), limits);
            }
            try (LlmEngine llm = LlmEngine.create(config)) {
                return ContinuousBenchmark.allAtOnce(llm, requests, "engine", new BenchProgress(err, "engine"), limits);
            }
        });
    }

    private static BenchResult onOwnThread(Callable<BenchResult> run) throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "flinfer-bench-engine"));
        try {
            return thread.submit(run).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            thread.shutdown();
        }
    }

    private static void requireFits(List<BenchRequest> requests, int maxModelLen) {
        for (BenchRequest r : requests) {
            if (r.promptIds().length + r.outputLen() > maxModelLen) {
                throw new IllegalArgumentException("request " + r.id() + " (" + r.promptIds().length
                        + " prompt + " + r.outputLen() + " output tokens) does not fit max_model_len " + maxModelLen
                        + "; shorten --input-len/--output-len or raise --max-model-len");
            }
        }
    }
}
