package io.flinfer.cli;

import io.flinfer.demo.DemoModel;
import io.flinfer.demo.DemoPrompts;
import io.flinfer.demo.DemoReport;
import io.flinfer.demo.DemoResultCollector;
import io.flinfer.demo.DemoResults;
import io.flinfer.demo.PrometheusQuantiles;
import io.flinfer.demo.SyntheticModelCache;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.hub.HubSettings;
import io.flinfer.jobs.Durations;
import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.GenerationCommandOptions;
import io.flinfer.jobs.ModelRoute;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.local.LocalCluster;
import io.flinfer.local.LocalPipeline;
import io.flinfer.models.BundledModels;
import io.flinfer.operators.generate.SharedEngines;
import io.flinfer.operators.records.ServedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code flinfer demo}: the whole pipeline in one process — an embedded Kafka broker, a local Flink
 * MiniCluster running the streaming job — fed a bundled sample of requests and one malformed line,
 * then a summary of what came back.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = DemoCommand.ModelIsOptional.class,
        description = {
            "Run the streaming job end to end in this process: start an embedded Kafka broker and a local Flink"
                    + " cluster, publish a sample of requests that share a few long openings (and one malformed"
                    + " line, which goes to the dead-letter topic), show the results and a summary, then stop.",
            "Without --model it runs stories260K, llama2.c's tiny TinyStories model that ships with Flinfer, on story"
                    + " openings; no network needed. A model with a chat template gets chat requests instead."
        })
public final class DemoCommand implements Callable<Integer> {
    /** Short, so results (committed at checkpoints) show up promptly. */
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    private static final int COMPLETIONS_SHOWN = 3;

    @Mixin EngineOptions engine;

    @Mixin PipelineKafkaOptions kafka;

    @Option(names = "--prompts", defaultValue = "48", paramLabel = "N",
            description = "Requests to publish (4 openings x 12 continuations, repeated as needed). Default: ${DEFAULT-VALUE}.")
    int prompts;

    @Option(names = "--max-tokens", defaultValue = "32", paramLabel = "N",
            description = "max_completion_tokens of each request. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--metrics-port", defaultValue = "9249",
            description = "Port of the job's Prometheus endpoint, where TTFT is read; 0 disables it (TTFT then n/a). Default: ${DEFAULT-VALUE}.")
    int metricsPort;

    @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DURATION", converter = Durations.Converter.class,
            description = "Give up when not every result has arrived by then. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin LogOptions logging;
    @Spec CommandSpec spec;

    /** Where the Hub is; from the environment (HF_ENDPOINT, HF_HOME, ...), replaced by tests. */
    HubSettings hubSettings = HubSettings.fromEnvironment();

    /** The bundled default model; replaced by tests. */
    Supplier<Path> bundledModel = BundledModels::stories260K;

    /** Where the random-weight fallback model is written once; replaced by tests. */
    SyntheticModelCache syntheticModels = SyntheticModelCache.userDefault();

    @Override
    public Integer call() throws Exception {
        if (prompts < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("--prompts and --max-tokens must be at least 1");
        }
        try (CommandLog log = logging.open(spec)) {
            return run();
        }
    }

    private int run() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DemoModel model = DemoModel.resolve(engine.model(), engine.revision(), hubSettings, bundledModel, syntheticModels, err);
        EngineConfig config = engine.toConfig(model.folder());
        PipelineOptions.Builder builder = kafka.options(config, "flinfer-demo").requestTimeout(timeout);
        if (engine.servedName() != null) {
            builder.servedModel(ServedModel.named(engine.servedName()).withAdapters(config.lora().modules().keySet()));
        }
        PipelineOptions options = builder.build();
        // Further --model arguments: each its own operators, its share of the requests named by its name.
        List<ModelRoute> more = GenerationCommandOptions.moreModels(engine.moreModels(), options.generation().servedModel(), Map.of());
        options = builder.moreModels(more).build();
        int port = usableMetricsPort(err);
        err.println("Loading " + model.name() + " from " + model.folder() + more.stream()
                .map(m -> " and " + m.name() + " from " + m.engine().model()).collect(Collectors.joining()) + " ...");
        err.flush();
        // The generate operators adopt the engines loaded here, which keeps load time out of the numbers.
        for (ModelRoute route : options.generation().models()) {
            SharedEngines.preload(route.engine()).join();
        }

        DemoPrompts samples = DemoPrompts.bundled(model.hasChatTemplate());
        List<String> named = new ArrayList<>();
        named.add(null);
        more.forEach(m -> named.add(m.name()));
        List<DemoPrompts.Request> requests = samples.requests(prompts, maxTokens, named);
        String first = options.generation().servedModel().name();
        Map<String, String> modelOf = new HashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            String name = named.get(i % named.size());
            modelOf.put(requests.get(i).customId(), name == null ? first : name);
        }
        DemoResults results = new DemoResults(COMPLETIONS_SHOWN, modelOf);
        try (LocalPipeline pipeline = LocalPipeline.start(options, LocalPipeline.Settings.temporary(
                new LocalCluster.Settings(1, CHECKPOINT_INTERVAL, port, options.generation().slots(1))), err)) {
            String servers = pipeline.options().bootstrapServers();
            err.println("Started the job on a local Flink cluster, Kafka at " + servers
                    + (port > 0 ? ", metrics on http://localhost:" + port + "/metrics" : ""));
            long start = System.nanoTime();
            List<String> lines = new ArrayList<>(requests.stream().map(DemoPrompts.Request::json).toList());
            lines.add(DemoPrompts.MALFORMED_LINE);
            pipeline.publish(lines);
            err.println("Published " + requests.size() + " " + samples.kind() + " requests and 1 malformed line to "
                    + options.inputTopic());
            // A failing job restarts with backoff, and says why on stderr; the timeout ends the wait.
            new DemoResultCollector(servers, options.kafkaClient(), options.outputTopic(), options.deadLetterTopic())
                    .collect(requests.size(), 1, timeout, results, err);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            Map<String, String> cues = requests.stream()
                    .collect(Collectors.toMap(DemoPrompts.Request::customId, DemoPrompts.Request::cue));
            DemoReport.print(out, model, cues, results, requests.size(), elapsed, ttft(port, err));
        }
        if (results.results() < requests.size() || results.deadLetters() < 1) {
            err.println("error: only " + results.results() + " of " + requests.size() + " results and "
                    + results.deadLetters() + " of 1 dead letters arrived within " + timeout.toSeconds()
                    + " s; raise --timeout, or lower --prompts or --max-tokens");
            return 1;
        }
        return 0;
    }

    /** The metrics port, or 0 when it is off or taken: scraping another process's endpoint would report its numbers. */
    private int usableMetricsPort(PrintWriter err) {
        if (metricsPort <= 0) {
            return 0;
        }
        try (ServerSocket probe = new ServerSocket(metricsPort)) {
            return metricsPort;
        } catch (IOException e) {
            err.println("warning: metrics port " + metricsPort + " is in use (another flinfer run?); metrics are off"
                    + " for this demo. Pick a free one with --metrics-port.");
            return 0;
        }
    }

    private static DemoReport.Ttft ttft(int port, PrintWriter err) {
        if (port == 0) {
            return DemoReport.Ttft.unknown();
        }
        try {
            PrometheusQuantiles metrics = PrometheusQuantiles.scrape(port);
            String name = "flink_taskmanager_job_task_operator_time_to_first_token_microseconds";
            return new DemoReport.Ttft(metrics.quantile(name, "generate", "0.5"), metrics.quantile(name, "generate", "0.99"));
        } catch (IOException e) {
            err.println("warning: could not read TTFT from the metrics endpoint: " + e.getMessage());
            return DemoReport.Ttft.unknown();
        }
    }

    /** The demo has a default model, so the engine options' {@code --model} is optional here. */
    public static final class ModelIsOptional implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec command) {
            // Removed and re-added in their order, so --model keeps its place in the help.
            List<OptionSpec> options = new ArrayList<>(command.options());
            options.forEach(command::remove);
            for (OptionSpec option : options) {
                command.addOption(option.longestName().equals("--model") ? optional(option) : option);
            }
            return command;
        }

        private static OptionSpec optional(OptionSpec model) {
            return OptionSpec.builder(model).required(false)
                    .description("Model: a local Hugging Face checkpoint folder, or a Hub id."
                            + " Default: the bundled stories260K.")
                    .build();
        }
    }
}
