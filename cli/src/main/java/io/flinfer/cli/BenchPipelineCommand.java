package io.flinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.bench.BenchProgress;
import io.flinfer.bench.BenchReport;
import io.flinfer.bench.BenchRequest;
import io.flinfer.bench.BenchResult;
import io.flinfer.bench.EngineAlone;
import io.flinfer.bench.MachineLimits;
import io.flinfer.bench.PipelineBenchmark;
import io.flinfer.bench.PipelineRunResult;
import io.flinfer.bench.PipelineSweepTable;
import io.flinfer.bench.SweepPlot;
import io.flinfer.bench.TextPrompts.TextRequest;
import io.flinfer.bench.TextPrompts;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.jobs.Durations;
import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.PipelineCommandOptions.DeliveryGuaranteeConverter;
import io.flinfer.jobs.PipelineOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.flink.connector.base.DeliveryGuarantee;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code flinfer bench pipeline}: the same random workload through the engine alone and through
 * Kafka -> Flink -> Kafka (embedded broker, MiniCluster, the real streaming job), in one run; the
 * ratio of their output throughput is what the pipeline costs.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Throughput of the whole pipeline (Kafka -> Flink -> Kafka, in this process) against the engine alone,"
                + " on the same requests: text prompts of random vocabulary words, greedy, EOS ignored."})
final class BenchPipelineCommand implements Callable<Integer> {
    /** The pipeline should keep at least this share of the engine's throughput. */
    static final double TARGET_RATIO = 0.95;
    /** Thread groups the CPU profile names; the rest are summed. */
    private static final int CPU_PROFILE_LINES = 10;

    @Mixin EngineOptions engine;

    @Mixin PipelineKafkaOptions kafka;

    @Option(names = "--num-prompts", defaultValue = "64", description = "Requests. Default: ${DEFAULT-VALUE}.")
    int numPrompts;

    @Mixin TextWorkloadOptions workload;

    @Option(names = "--parallelism", defaultValue = "1", description = "Parallel subtasks of the job (they share one engine). Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--checkpoint-interval", defaultValue = "1s", converter = Durations.Converter.class,
            description = "Checkpoint interval of the job; results become visible when a checkpoint commits them. Default: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    @Option(names = "--max-in-flight", defaultValue = "256", description = "Most requests in flight per generate subtask. Default: ${DEFAULT-VALUE}.")
    int maxInFlight;

    @Option(names = "--request-rate", split = ",", defaultValue = "inf", converter = RequestRateConverter.class, paramLabel = "R[,R...]",
            description = "Requests per second, published as a Poisson process from a thread of their own (as vLLM's bench serve"
                    + " --request-rate); inf publishes them all at once. Several rates run one after the other on the same job"
                    + " (a sweep: the highest rate whose p99 latency stays bounded is the sustainable throughput). Default: ${DEFAULT-VALUE}.")
    List<Double> requestRates;

    @Option(names = "--delivery-guarantee", defaultValue = "exactly-once", converter = DeliveryGuaranteeConverter.class,
            description = "The job's sinks: exactly-once (results visible at the next checkpoint) or at-least-once (visible when"
                    + " written). Default: ${DEFAULT-VALUE}.")
    DeliveryGuarantee deliveryGuarantee;

    @Option(names = "--routing", defaultValue = "PREFIX", description = "PREFIX or ROUND_ROBIN. Default: ${DEFAULT-VALUE}.")
    PipelineOptions.Routing routing;

    @Option(names = "--timeout", defaultValue = "30m", converter = Durations.Converter.class,
            description = "Give up when the pipeline's results take longer. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path outputJson;

    @Option(names = "--plot", paramLabel = "FILE.svg", description = "Also draw the rate sweep as an SVG chart: "
            + "e2e latency p50/p99 and output tok/s against the request rate, the sustainable rate marked.")
    Path plot;

    @Mixin LogOptions logging;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** A positive number of requests per second, or inf. */
    static final class RequestRateConverter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            if (value.equals("inf")) {
                return Double.POSITIVE_INFINITY;
            }
            try {
                double rate = Double.parseDouble(value);
                if (rate > 0 && Double.isFinite(rate)) {
                    return rate;
                }
            } catch (NumberFormatException e) {
                // Said below.
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a request rate: give requests per second (> 0) or inf");
        }
    }

    @Override
    public Integer call() throws Exception {
        EngineConfig config = engine.toSingleModelConfig("flinfer bench pipeline");
        List<TextRequest> requests;
        List<TextRequest> warmups = new ArrayList<>();
        try (Tokenizer tokenizer = Tokenizer.load(config.modelPath())) {
            TextPrompts prompts = workload.prompts(tokenizer);
            requests = prompts.requests(numPrompts, workload.inputLen, workload.outputLen);
            // The job runs a workload of the same shape untimed first, as the engine alone does: until then the JVM
            // is still compiling the job's, Kafka's and the sink's paths (a share of the workload left the JIT
            // threads 4% of the cores in the timed run). Other prompts, so the timed run finds no cached prefix.
            for (TextRequest w : prompts.requests(numPrompts, workload.inputLen, workload.outputLen)) {
                warmups.add(new TextRequest(w.prompt(), new BenchRequest("warm-up-" + warmups.size(), w.tokens().promptIds(),
                        w.tokens().outputLen())));
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        MachineLimits limits = BenchThroughputCommand.measureLimits(config, err);

        List<BenchRequest> tokens = requests.stream().map(TextRequest::tokens).toList();
        BenchResult alone = EngineAlone.measure(config, tokens, limits, err);
        var settings = new PipelineBenchmark.Settings(parallelism, checkpointInterval, maxInFlight, routing, deliveryGuarantee,
                timeout, workload.seed);
        List<PipelineRunResult> runs;
        try (CommandLog log = logging.open(spec)) {
            runs = PipelineBenchmark.run(kafka.options(config, "bench"), settings, warmups, requests, requestRates,
                    new BenchProgress(err, "pipeline"));
        }

        PipelineRunResult pipeline = runs.get(0);
        double ratio = pipeline.outputTokensPerSecond() / alone.outputTokensPerSecond();
        PrintWriter out = spec.commandLine().getOut();
        out.print(BenchReport.table(List.of(alone)));
        out.printf("Throughput (engine): %.2f requests/s, %.2f total tokens/s, %.2f output tokens/s%n",
                alone.requestsPerSecond(), alone.totalTokensPerSecond(), alone.outputTokensPerSecond());
        out.printf("Throughput (pipeline): %.2f requests/s, %.2f total tokens/s, %.2f output tokens/s (%d output tokens in %.2f s)%n",
                pipeline.requestsPerSecond(), pipeline.totalTokensPerSecond(), pipeline.outputTokensPerSecond(),
                pipeline.outputTokens(), pipeline.elapsedSeconds());
        out.printf("Pipeline over engine alone: %.3f of the output throughput (target >= %.2f)%n", ratio, TARGET_RATIO);
        out.printf("Engine idle in the pipeline: %.1f%% of the time (waiting for the task to hand it work)%n",
                100 * pipeline.engineIdleFraction());
        // More steps than alone means smaller batches reached the engine; as many but longer means slower steps.
        out.printf("Steps: engine alone %d (%.1f ms each), pipeline %d (%.1f ms each while stepping)%n", alone.steps(),
                1e3 * alone.elapsedSeconds() / alone.steps(), pipeline.steps(),
                1e3 * (1 - pipeline.engineIdleFraction()) * pipeline.elapsedSeconds() / pipeline.steps());
        out.print(PipelineSweepTable.of(runs));
        out.print(PipelineSweepTable.cpuProfile(pipeline, Runtime.getRuntime().availableProcessors(), CPU_PROFILE_LINES));
        out.flush();

        ObjectNode report = new ObjectMapper().createObjectNode();
        report.set("engine", alone.toJson());
        report.set("pipeline", pipeline.toJson());
        runs.forEach(run -> report.withArray("runs").add(run.toJson()));
        report.put("ratio", ratio).put("target_ratio", TARGET_RATIO);
        report.putObject("workload")
                .put("num_prompts", numPrompts).put("input_len", workload.inputLen.toString())
                .put("output_len", workload.outputLen.toString())
                .put("seed", workload.seed).put("parallelism", parallelism).put("checkpoint_interval_ms", checkpointInterval.toMillis())
                .put("max_in_flight", maxInFlight).put("routing", routing.name())
                .put("delivery_guarantee", deliveryGuarantee.name());
        BenchCommand.writeJson(outputJson, report);
        if (plot != null) {
            Files.writeString(plot, SweepPlot.svg(runs, String.format("flinfer bench pipeline: %s, %d prompts, %s delivery",
                    config.modelPath().getFileName(), numPrompts, deliveryGuarantee.name().toLowerCase(Locale.ROOT).replace('_', '-'))));
            err.println("Wrote " + plot);
        }
        return 0;
    }
}
