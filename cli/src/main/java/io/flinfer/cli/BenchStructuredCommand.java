package io.flinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.bench.BenchProgress;
import io.flinfer.bench.BenchResult;
import io.flinfer.bench.CompileTimes;
import io.flinfer.bench.ContinuousBenchmark;
import io.flinfer.bench.MachineLimits;
import io.flinfer.bench.RandomDataset;
import io.flinfer.bench.TokenRange;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.engine.structured.StructuredOutputs;
import io.flinfer.jobs.EngineOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code flinfer bench structured}: what a JSON Schema constraint costs. Compile times on the model's
 * vocabulary, then rounds of the same workload unconstrained, constrained and constrained without
 * jump-forward (the last two in turns), back to back in one engine (fresh random prompts each run, so the prefix cache favours
 * none), and the mask time per step over the constrained runs.
 */
@Command(name = "structured", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Structured outputs: compile times, mask time per step, throughput constrained (with and without"
                + " jump-forward) vs unconstrained.")
final class BenchStructuredCommand implements Callable<Integer> {
    private static final String DEFAULT_SCHEMA = "/io/flinfer/bench/ten-property-schema.json";

    @Mixin EngineOptions engine;

    @Option(names = "--num-prompts", defaultValue = "64", description = "Requests per run. Default: ${DEFAULT-VALUE}.")
    int numPrompts;

    @Option(names = "--input-len", defaultValue = "128", converter = TokenRange.Converter.class,
            paramLabel = "N|MIN:MAX", description = "Prompt length in tokens. Default: ${DEFAULT-VALUE}.")
    TokenRange inputLen;

    @Option(names = "--output-len", defaultValue = "128", converter = TokenRange.Converter.class, paramLabel = "N|MIN:MAX",
            description = "Most output tokens: unconstrained runs generate exactly this many (EOS ignored), constrained"
                    + " ones stop earlier where the JSON is complete. Default: ${DEFAULT-VALUE}.")
    TokenRange outputLen;

    @Option(names = "--json-schema", paramLabel = "FILE",
            description = "The schema every constrained request follows. Default: a 10-property ticket schema whose"
                    + " shortest value has about 300 characters, so outputs run to --output-len.")
    Path jsonSchema;

    @Option(names = "--rounds", defaultValue = "2",
            description = "Rounds of the three runs (unconstrained, constrained, constrained without jump-forward); 0"
                    + " measures the compile times only. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--compile-repeats", defaultValue = "20", description = "Times each compile is measured. Default: ${DEFAULT-VALUE}.")
    int compileRepeats;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path outputJson;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        EngineConfig config = engine.toSingleModelConfig("flinfer bench structured");
        StructuredOutput constraint = StructuredOutput.jsonSchema(schema());
        RandomDataset prompts = RandomDataset.forModel(config.modelPath(), seed);
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        MachineLimits limits = BenchThroughputCommand.measureLimits(config, err);
        ObjectNode report = new ObjectMapper().createObjectNode();
        try (LlmEngine llm = LlmEngine.create(config)) {
            err.println(llm.computePaths().summary());
            CompileTimes compile = CompileTimes.measure(llm, constraint, compileRepeats);
            out.printf("Compile on %d tokens: vocabulary %.1f ms (once per tokenizer); cold p50 %.2f ms (p99 %.2f);"
                            + " first mask %.2f ms; cached p50 %.4f ms (p99 %.4f)%n", llm.modelConfig().vocabSize(),
                    compile.vocabularyMs(), compile.coldMs().p50(), compile.coldMs().p99(), compile.firstMaskMs().p50(),
                    compile.cachedMs().p50(), compile.cachedMs().p99());
            report.set("compile", compile.toJson());
            if (rounds > 0) {
                throughput(llm, constraint, prompts, limits, report);
            }
        }
        BenchCommand.writeJson(outputJson, report);
        return 0;
    }

    /**
     * Rounds of the workload unconstrained, constrained with jump-forward off (forced tokens sampled
     * one step each) and constrained as the engine runs it (jump-forward on), and the mask time over
     * the constrained runs.
     */
    private void throughput(LlmEngine llm, StructuredOutput constraint, RandomDataset prompts, MachineLimits limits, ObjectNode report) {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        ArrayNode runs = report.putArray("rounds");
        double freeTokensPerSecond = 0;
        double constrainedTokensPerSecond = 0;
        double stepwiseTokensPerSecond = 0;
        StructuredOutputs structured = llm.structuredOutputs();
        StructuredOutputs.Stats before = structured.stats();
        long constrainedTokens = 0;
        for (int round = 1; round <= rounds; round++) {
            BenchResult free = ContinuousBenchmark.allAtOnce(llm, prompts.requests(numPrompts, inputLen, outputLen),
                    "unconstrained", new BenchProgress(err, "unconstrained " + round), limits);
            // The first constrained run of the grammar analyses its mask positions: odd rounds pay it
            // without jump-forward, even rounds with.
            BenchResult stepwise = round % 2 == 1 ? stepwise(llm, constraint, prompts, limits, round) : null;
            long forcedBefore = structured.stats().forcedTokens();
            BenchResult constrained = ContinuousBenchmark.allAtOnce(llm, prompts.requests(numPrompts, inputLen, outputLen),
                    "constrained", new BenchProgress(err, "constrained " + round), limits, constraint);
            long forced = structured.stats().forcedTokens() - forcedBefore;
            if (stepwise == null) {
                stepwise = stepwise(llm, constraint, prompts, limits, round);
            }
            freeTokensPerSecond += free.outputTokensPerSecond();
            constrainedTokensPerSecond += constrained.outputTokensPerSecond();
            stepwiseTokensPerSecond += stepwise.outputTokensPerSecond();
            constrainedTokens += constrained.outputTokens() + stepwise.outputTokens();
            out.printf("Round %d: unconstrained %.1f output tok/s, constrained %.1f (%.3fx), constrained without jump-forward"
                            + " %.1f (%.3fx); jump-forward %.3fx, %.1f%% of its tokens forced; constrained outputs %.1f tokens"
                            + " on average%n", round, free.outputTokensPerSecond(), constrained.outputTokensPerSecond(),
                    constrained.outputTokensPerSecond() / free.outputTokensPerSecond(), stepwise.outputTokensPerSecond(),
                    stepwise.outputTokensPerSecond() / free.outputTokensPerSecond(),
                    constrained.outputTokensPerSecond() / stepwise.outputTokensPerSecond(),
                    100.0 * forced / Math.max(1, constrained.outputTokens()),
                    (double) constrained.outputTokens() / constrained.numRequests());
            runs.addObject().<ObjectNode>set("unconstrained", free.toJson()).<ObjectNode>set("constrained", constrained.toJson())
                    .<ObjectNode>set("constrained_no_jump_forward", stepwise.toJson()).put("forced_tokens", forced);
        }
        StructuredOutputs.Stats after = structured.stats();
        double p50 = structured.recentMaskNanos(0.5) / 1e6;
        double p99 = structured.recentMaskNanos(0.99) / 1e6;
        double perTokenMicros = (after.maskNanos() - before.maskNanos()) / 1e3 / Math.max(1, constrainedTokens);
        double ratio = constrainedTokensPerSecond / freeTokensPerSecond;
        double jumpRatio = constrainedTokensPerSecond / stepwiseTokensPerSecond;
        out.printf("Mask time per step (%d rows): p50 %.3f ms, p99 %.3f ms; per generated token %.1f us on average%n",
                numPrompts, p50, p99, perTokenMicros);
        out.printf("Constrained over unconstrained output throughput: %.3fx (without jump-forward %.3fx);"
                + " jump-forward on over off: %.3fx%n", ratio, stepwiseTokensPerSecond / freeTokensPerSecond, jumpRatio);
        report.putObject("mask").put("step_p50_ms", p50).put("step_p99_ms", p99).put("per_token_us", perTokenMicros)
                .put("steps", after.maskSteps() - before.maskSteps());
        report.put("throughput_ratio", ratio).put("jump_forward_ratio", jumpRatio)
                .put("compute_paths", llm.computePaths().summary());
    }

    /** The constrained workload with jump-forward off: forced tokens sampled one step each. */
    private BenchResult stepwise(LlmEngine llm, StructuredOutput constraint, RandomDataset prompts, MachineLimits limits, int round) {
        llm.structuredOutputs().setJumpForward(false);
        try {
            return ContinuousBenchmark.allAtOnce(llm, prompts.requests(numPrompts, inputLen, outputLen),
                    "constrained, no jump-forward", new BenchProgress(spec.commandLine().getErr(), "no jump-forward " + round),
                    limits, constraint);
        } finally {
            llm.structuredOutputs().setJumpForward(true);
        }
    }

    private String schema() throws IOException {
        if (jsonSchema != null) {
            return Files.readString(jsonSchema);
        }
        try (InputStream in = BenchStructuredCommand.class.getResourceAsStream(DEFAULT_SCHEMA)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
