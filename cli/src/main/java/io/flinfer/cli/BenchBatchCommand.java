package io.flinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.bench.BenchReport;
import io.flinfer.bench.BenchResult;
import io.flinfer.bench.EngineAlone;
import io.flinfer.bench.MachineLimits;
import io.flinfer.bench.TextPrompts.TextRequest;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.jobs.EngineOptions;
import io.flinfer.operators.records.ResultSummary;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code flinfer bench batch}: the same requests through the engine alone and through {@code flinfer
 * batch} (a request file, the batch job on a local Flink cluster, one output file), in one run. The batch
 * side is timed as a user waits for it: from the command's start to its committed output, cluster start,
 * engine load and the final checkpoint included.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Throughput of flinfer batch against the engine alone, on the same requests:"
                + " text prompts of random vocabulary words, greedy, EOS ignored."})
final class BenchBatchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The phases of a run, from the summary of {@link BatchCommand}. */
    private static final Pattern PHASES = Pattern.compile(
            "Time: ([0-9.]+) s to start .*?, ([0-9.]+) s generating, ([0-9.]+) s to commit");

    @Mixin EngineOptions engine;

    @Option(names = "--num-prompts", defaultValue = "256", description = "Requests. Default: ${DEFAULT-VALUE}.")
    int numPrompts;

    @Mixin TextWorkloadOptions workload;

    @Option(names = "--batch-args", paramLabel = "ARGS", split = " ",
            description = "More options for the batch run, e.g. \"--parallelism 2 --checkpoint-interval 5s\". Default: --checkpoint-interval 1s --max-in-flight 256.")
    List<String> batchArgs = List.of("--checkpoint-interval", "1s", "--max-in-flight", "256");

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path outputJson;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EngineConfig config = engine.toSingleModelConfig("flinfer bench batch");
        List<TextRequest> requests;
        try (Tokenizer tokenizer = Tokenizer.load(config.modelPath())) {
            requests = workload.prompts(tokenizer).requests(numPrompts, workload.inputLen, workload.outputLen);
        }
        PrintWriter err = spec.commandLine().getErr();
        MachineLimits limits = BenchThroughputCommand.measureLimits(config, err);
        BenchResult alone = EngineAlone.measure(config, requests.stream().map(TextRequest::tokens).toList(), limits, err);

        Path dir = Files.createTempDirectory("flinfer-bench-batch");
        Path input = writeRequests(dir.resolve("requests.jsonl"), requests);
        Path output = dir.resolve("results.jsonl");
        List<String> args = new ArrayList<>(List.of("batch", "--model", config.model(), "--input", input.toString(),
                "--output", output.toString()));
        args.addAll(engineArguments());
        args.addAll(batchArgs);
        StringWriter batchOut = new StringWriter();
        CommandLine batch = FlinferCli.commandLine();
        batch.setOut(new PrintWriter(batchOut, true));
        batch.setErr(err);
        err.println("batch: " + String.join(" ", args));
        long start = System.nanoTime();
        int status = batch.execute(args.toArray(String[]::new));
        double seconds = (System.nanoTime() - start) / 1e9;
        if (status != 0) {
            throw new IllegalStateException("flinfer batch failed (status " + status + "): " + batchOut);
        }
        long outputTokens = 0;
        for (String line : Files.readAllLines(output)) {
            ResultSummary result = ResultSummary.read(line);
            if (result.failed()) {
                throw new IllegalStateException("a request of the benchmark failed: " + line);
            }
            outputTokens += result.completionTokens();
        }
        double batchRate = outputTokens / seconds;
        double ratio = batchRate / alone.outputTokensPerSecond();
        Matcher phases = PHASES.matcher(batchOut.toString());
        if (!phases.find()) {
            throw new IllegalStateException("flinfer batch printed no timing line: " + batchOut);
        }
        double startup = Double.parseDouble(phases.group(1));
        double generating = Double.parseDouble(phases.group(2));
        double commit = Double.parseDouble(phases.group(3));

        PrintWriter out = spec.commandLine().getOut();
        out.print(BenchReport.table(List.of(alone)));
        out.printf("Throughput (engine): %.2f output tokens/s (%d output tokens)%n", alone.outputTokensPerSecond(), alone.outputTokens());
        out.printf("Throughput (flinfer batch): %.2f output tokens/s (%d output tokens in %.2f s, start to committed output)%n",
                batchRate, outputTokens, seconds);
        out.printf("  of which: %.2f s to start (cluster, job deployment, model load), %.2f s generating"
                + " (%.2f output tokens/s), %.2f s to commit%n", startup, generating, outputTokens / generating, commit);
        out.printf("flinfer batch over engine alone: %.3f of the output throughput (target >= %.1f);"
                        + " while generating: %.3f%n",
                ratio, BenchPipelineCommand.TARGET_RATIO, outputTokens / generating / alone.outputTokensPerSecond());
        ObjectNode report = JSON.createObjectNode();
        report.set("engine", alone.toJson());
        report.putObject("batch").put("output_tokens", outputTokens).put("elapsed_s", seconds).put("output_tokens_per_s", batchRate)
                .put("startup_s", startup).put("generating_s", generating).put("commit_s", commit)
                .put("arguments", String.join(" ", args));
        report.put("ratio", ratio).put("target_ratio", BenchPipelineCommand.TARGET_RATIO);
        BenchCommand.writeJson(outputJson, report);
        return 0;
    }

    /** The engine options given to this command, as typed, so the batch run's engine is configured alike. */
    private List<String> engineArguments() {
        List<String> args = new ArrayList<>();
        for (OptionSpec option : spec.mixins().get("engine").options()) {
            if (!option.longestName().equals("--model") && spec.commandLine().getParseResult().hasMatchedOption(option)) {
                args.add(option.longestName());
                args.addAll(option.originalStringValues());
            }
        }
        return args;
    }

    private static Path writeRequests(Path file, List<TextRequest> requests) throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (TextRequest r : requests) {
                ObjectNode line = JSON.createObjectNode().put("custom_id", r.tokens().id()).put("method", "POST").put("url", "/v1/completions");
                line.putObject("body").put("prompt", r.prompt()).put("max_tokens", r.tokens().outputLen())
                        .put("temperature", 0).put("ignore_eos", true);
                out.write(line.toString());
                out.newLine();
            }
        }
        return file;
    }
}
