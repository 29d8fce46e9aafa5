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
import io.flinfer.bench.ResidentMemory;
import io.flinfer.bench.StaticBatchBenchmark;
import io.flinfer.bench.TokenRange;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.model.ModelConfig;
import io.flinfer.jobs.EngineOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code flinfer bench throughput}: offline throughput of random-token requests that all arrive at
 * once, with continuous batching (the engine) and with Hugging Face-style static batching under the
 * same KV-cache budget, as {@code vllm bench throughput}.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Throughput of random-token requests: continuous batching vs static batching.")
final class BenchThroughputCommand implements Callable<Integer> {
    @Mixin EngineOptions engine;

    @Option(names = "--num-prompts", defaultValue = "256", description = "Requests. Default: ${DEFAULT-VALUE}.")
    int numPrompts;

    @Option(names = "--input-len", defaultValue = "128:512", converter = TokenRange.Converter.class,
            paramLabel = "N|MIN:MAX", description = "Prompt length in tokens, uniform in the range. Default: ${DEFAULT-VALUE}.")
    TokenRange inputLen;

    @Option(names = "--output-len", defaultValue = "32:512", converter = TokenRange.Converter.class,
            paramLabel = "N|MIN:MAX", description = "Output length in tokens (EOS ignored). Default: ${DEFAULT-VALUE}.")
    TokenRange outputLen;

    @Option(names = "--mode", defaultValue = "both",
            description = "continuous (the engine), static (Hugging Face-style batches) or both. Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--compare-lora", description = "With --lora-modules: run the continuous engine twice in this"
            + " process, the base model alone, then the same requests spread round-robin over the adapters, and"
            + " report the adapters' total tokens/s as a fraction of the base model's.")
    boolean compareLora;

    @Option(names = "--warmup-steps", defaultValue = "256", description = "Engine steps run untimed before the"
            + " continuous run, on other random requests of the same lengths: the JVM compiles the engine's Java side"
            + " over its first few hundred steps, and a pipeline runs far longer than a benchmark. 0: none."
            + " Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path outputJson;

    @Mixin ProfileOptions profile;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        boolean continuous = mode.equals("continuous") || mode.equals("both");
        boolean staticBatches = mode.equals("static") || mode.equals("both");
        if (!continuous && !staticBatches) {
            throw new IllegalArgumentException("--mode must be continuous, static or both, not '" + mode + "'");
        }
        EngineConfig config = engine.toSingleModelConfig("flinfer bench throughput");
        ModelConfig model = ModelConfig.load(config.modelPath());
        RandomDataset dataset = RandomDataset.forModel(config.modelPath(), seed);
        List<BenchRequest> requests = dataset.requests(numPrompts, inputLen, outputLen);
        PrintWriter err = spec.commandLine().getErr();
        MachineLimits limits = measureLimits(config, err);

        List<BenchResult> results = new ArrayList<>();
        int maxModelLen = config.maxModelLen() > 0 ? config.maxModelLen() : model.maxPositionEmbeddings();
        String paths = null;
        if (compareLora) {
            return compareLora(config, requests, err, limits);
        }
        if (continuous) {
            OptionalLong residentBefore = ResidentMemory.bytes();
            try (LlmEngine llm = LlmEngine.create(config)) {
                paths = llm.computePaths().summary();
                err.println(paths); // what the numbers below computed with, checked on this machine
                maxModelLen = llm.maxModelLen();
                requireFits(maxModelLen);
                warmUp(llm, dataset);
                profile.start(llm);
                results.add(ContinuousBenchmark.allAtOnce(llm, requests, "continuous", new BenchProgress(err, "continuous"), limits));
                profile.report(llm, "continuous", err);
                String memory = ResidentMemory.report(residentBefore, llm.kvCacheBytes());
                if (!memory.isEmpty()) {
                    err.println(memory);
                }
            }
        }
        if (staticBatches) {
            requireFits(maxModelLen);
            var setup = new StaticBatchBenchmark.Setup(config.modelPath(), config.dataType(),
                    config.device().djl(), config.blockSize(), config.kvCacheMemoryBytes(), maxModelLen);
            results.add(StaticBatchBenchmark.run(setup, requests, limits, new BenchProgress(err, "static")));
        }

        PrintWriter out = spec.commandLine().getOut();
        out.print(BenchReport.table(results));
        for (BenchResult r : results) {
            out.printf("Throughput (%s): %.2f requests/s, %.2f total tokens/s, %.2f output tokens/s%n",
                    r.mode(), r.requestsPerSecond(), r.totalTokensPerSecond(), r.outputTokensPerSecond());
        }
        ObjectNode report;
        if (results.size() == 2) {
            double speedup = results.get(0).outputTokensPerSecond() / results.get(1).outputTokensPerSecond();
            out.printf("Continuous over static batching: %.2fx the throughput%n", speedup);
            report = new ObjectMapper().createObjectNode();
            report.set("continuous", results.get(0).toJson());
            report.set("static", results.get(1).toJson());
            report.put("speedup", speedup);
        } else {
            report = results.get(0).toJson();
        }
        if (paths != null) {
            report.put("compute_paths", paths);
        }
        BenchCommand.writeJson(outputJson, report);
        return 0;
    }

    /**
     * The untimed steps of {@code --warmup-steps}, on requests {@code dataset} draws after the measured ones:
     * other random prompts, so no prefix of theirs is a measured one's.
     */
    private void warmUp(LlmEngine llm, RandomDataset dataset) {
        if (warmupSteps > 0) {
            List<BenchRequest> others = dataset.requests(numPrompts, inputLen, outputLen).stream()
                    .map(r -> new BenchRequest("warmup-" + r.id(), r.promptIds(), r.outputLen(), r.lora()))
                    .toList();
            int ran = ContinuousBenchmark.warmUp(llm, others, warmupSteps);
            spec.commandLine().getErr().printf("warm-up: %d engine steps, untimed%n", ran);
        }
    }

    /** The base model, then the same requests spread over the adapters, back to back in one engine. */
    private int compareLora(EngineConfig config, List<BenchRequest> requests, PrintWriter err, MachineLimits limits)
            throws IOException {
        List<String> adapters = List.copyOf(config.lora().modules().keySet());
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("--compare-lora needs adapters: give --lora-modules NAME=PATH");
        }
        List<BenchRequest> spread = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            spread.add(requests.get(i).withLora(adapters.get(i % adapters.size())));
        }
        List<BenchResult> results = new ArrayList<>();
        try (LlmEngine llm = LlmEngine.create(config)) {
            err.println(llm.computePaths().summary());
            requireFits(llm.maxModelLen());
            results.add(ContinuousBenchmark.allAtOnce(llm, requests, "base", new BenchProgress(err, "base"), limits));
            results.add(ContinuousBenchmark.allAtOnce(llm, spread, "lora x" + adapters.size(),
                    new BenchProgress(err, "lora"), limits));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(BenchReport.table(results));
        double ratio = results.get(1).totalTokensPerSecond() / results.get(0).totalTokensPerSecond();
        out.printf("LoRA (%d adapters, max_loras %d) over the base model: %.2fx the total tokens/s%n",
                adapters.size(), config.lora().maxLoras(), ratio);
        ObjectNode report = new ObjectMapper().createObjectNode();
        report.set("base", results.get(0).toJson());
        report.set("lora", results.get(1).toJson());
        report.put("ratio", ratio);
        BenchCommand.writeJson(outputJson, report);
        return 0;
    }

    private void requireFits(int maxModelLen) {
        if (inputLen.max() + outputLen.max() > maxModelLen) {
            throw new IllegalArgumentException("the longest request (" + inputLen.max() + " prompt + " + outputLen.max()
                    + " output tokens) does not fit max_model_len " + maxModelLen
                    + "; shorten --input-len/--output-len or raise --max-model-len");
        }
    }

    /** Measures the device's limits in this process, before the engine loads, and prints them. */
    static MachineLimits measureLimits(EngineConfig config, PrintWriter err) {
        MachineLimits limits = MachineLimits.measure(config.device().djl());
        err.printf("machine limits on %s: %s%n", config.device(), limits);
        err.flush();
        return limits;
    }
}
