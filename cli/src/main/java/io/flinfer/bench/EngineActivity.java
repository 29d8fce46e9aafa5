package io.flinfer.bench;

import io.flinfer.operators.generate.EngineHost;
import io.flinfer.operators.generate.SharedEngines;
import java.util.List;

/**
 * How busy the engines of an in-process pipeline were over a window: the part of it their loops spent
 * stepping. The rest they waited for the task to hand them work, which is throughput the pipeline
 * lost outside the engine.
 */
final class EngineActivity {
    private final List<EngineHost> engines;
    private final double stepSecondsAtStart;
    private final long stepsAtStart;

    private EngineActivity(List<EngineHost> engines) {
        this.engines = engines;
        this.stepSecondsAtStart = stepSeconds();
        this.stepsAtStart = steps();
    }

    /** Starts the window now, over the engines loaded so far (a warmed-up pipeline has loaded them all). */
    static EngineActivity ofLoadedEngines() {
        return new EngineActivity(SharedEngines.loaded());
    }

    /** The engines' idle fraction over the {@code seconds} since the window started, averaged over engines. */
    double idleFractionSince(double seconds) {
        if (engines.isEmpty() || seconds <= 0) {
            return Double.NaN;
        }
        return 1 - (stepSeconds() - stepSecondsAtStart) / (engines.size() * seconds);
    }

    /** Steps the engines took since the window started. */
    long stepsSince() {
        return steps() - stepsAtStart;
    }

    private long steps() {
        return engines.stream().mapToLong(EngineHost::steps).sum();
    }

    private double stepSeconds() {
        return engines.stream().mapToDouble(EngineHost::stepSeconds).sum();
    }
}
