package io.flinfer.cli;

import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.StepProfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --profile} and {@code --profile-trace}: where an engine run's step time goes. */
final class ProfileOptions {
    @Option(names = "--profile", description = "Print where the engine's step time went: schedule, prepare input,"
            + " forward, sample, output, per step.")
    boolean profile;

    @Option(names = "--profile-trace", paramLabel = "FILE", description = "Also record every PyTorch operator of the"
            + " engine run, with shapes, and write a Chrome trace (chrome://tracing, ui.perfetto.dev) to FILE.")
    Path trace;

    private long steps;
    private Map<StepProfile.Phase, Double> seconds;

    void start(LlmEngine engine) {
        steps = engine.stepProfile().steps();
        seconds = engine.stepProfile().seconds();
        if (trace != null) {
            engine.startTrace();
        }
    }

    void report(LlmEngine engine, String run, PrintWriter err) {
        if (trace != null) {
            engine.stopTrace(trace);
            err.printf("wrote the Chrome trace of the %s run to %s%n", run, trace);
        }
        if (profile || trace != null) {
            StepProfile p = engine.stepProfile();
            long n = p.steps() - steps;
            StringBuilder line = new StringBuilder(String.format("step profile (%s): %d steps; ms per step:", run, n));
            double total = 0;
            for (Map.Entry<StepProfile.Phase, Double> e : p.seconds().entrySet()) {
                double ms = (e.getValue() - seconds.get(e.getKey())) * 1e3 / Math.max(1, n);
                total += ms;
                line.append(String.format(" %s %.2f,", e.getKey().name().toLowerCase(java.util.Locale.ROOT), ms));
            }
            err.println(line.append(String.format(" total %.2f", total)));
            err.println("intra-op threads by step size: " + engine.stepThreads());
        }
        err.flush();
    }
}
