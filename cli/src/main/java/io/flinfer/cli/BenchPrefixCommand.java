package io.flinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.bench.BenchProgress;
import io.flinfer.bench.BenchReport;
import io.flinfer.bench.BenchRequest;
import io.flinfer.bench.BenchResult;
import io.flinfer.bench.ContinuousBenchmark;
import io.flinfer.bench.MachineLimits;
import io.flinfer.bench.RandomDataset;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LlmEngine;
import io.flinfer.jobs.EngineOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code flinfer bench prefix}: what the prefix cache saves. Requests share one long random prefix
 * and differ in a short suffix; they arrive one at a time (each added once the previous finished),
 * first with prefix caching off, then on, and the report compares their time to first token.
 */
@Command(name = "prefix", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time to first token of requests sharing a long prefix, prefix caching off vs on."
                + " --enable-prefix-caching is ignored: both settings run.")
final class BenchPrefixCommand implements Callable<Integer> {
    @Mixin EngineOptions engine;

    @Option(names = "--prefix-len", defaultValue = "1024", description = "Tokens of the shared prefix. Default: ${DEFAULT-VALUE}.")
    int prefixLen;

    @Option(names = "--suffix-len", defaultValue = "16", description = "Tokens of each request's own suffix. Default: ${DEFAULT-VALUE}.")
    int suffixLen;

    @Option(names = "--num-prompts", defaultValue = "16", description = "Requests. Default: ${DEFAULT-VALUE}.")
    int numPrompts;

    @Option(names = "--output-len", defaultValue = "1", description = "Output tokens per request. Default: ${DEFAULT-VALUE}.")
    int outputLen;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path outputJson;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        EngineConfig config = engine.toSingleModelConfig("flinfer bench prefix");
        List<BenchRequest> requests = RandomDataset.forModel(config.modelPath(), seed)
                .sharedPrefixRequests(numPrompts, prefixLen, suffixLen, outputLen);
        PrintWriter err = spec.commandLine().getErr();
        MachineLimits limits = BenchThroughputCommand.measureLimits(config, err);
        BenchResult off = run(config.withFeatures(false, config.enableChunkedPrefill()), requests, "prefix-caching-off", err, limits);
        BenchResult on = run(config.withFeatures(true, config.enableChunkedPrefill()), requests, "prefix-caching-on", err, limits);

        double speedup = off.ttftMs().mean() / on.ttftMs().mean();
        // The first request finds the cache cold in both runs; the median shows what every later one sees.
        double speedupP50 = off.ttftMs().p50() / on.ttftMs().p50();
        PrintWriter out = spec.commandLine().getOut();
        out.print(BenchReport.table(List.of(off, on)));
        out.printf("Prefix caching: %.2fx faster time to first token (mean), %.2fx (median)%n", speedup, speedupP50);
        ObjectNode report = new ObjectMapper().createObjectNode();
        report.set("prefix_caching_off", off.toJson());
        report.set("prefix_caching_on", on.toJson());
        report.put("speedup_ttft", speedup);
        report.put("speedup_ttft_p50", speedupP50);
        BenchCommand.writeJson(outputJson, report);
        return 0;
    }

    private static BenchResult run(EngineConfig config, List<BenchRequest> requests, String mode, PrintWriter err,
            MachineLimits limits) {
        try (LlmEngine llm = LlmEngine.create(config)) {
            return ContinuousBenchmark.oneAtATime(llm, requests, mode, new BenchProgress(err, mode), limits);
        }
    }
}
