package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/** The options of the inference steps, shared by the streaming and the batch job. */
public final class GenerationCommandOptions {
    @Option(names = "--max-in-flight", defaultValue = "" + GenerationOptions.MAX_IN_FLIGHT,
            description = "Most requests in flight per generate subtask; beyond it the job backpressures. Default: ${DEFAULT-VALUE}.")
    int maxInFlight;

    @Option(names = "--request-timeout", defaultValue = GenerationOptions.REQUEST_TIMEOUT, converter = Durations.Converter.class,
            description = "A request not finished by then gets an error result. Default: ${DEFAULT-VALUE}.")
    Duration requestTimeout;

    @Option(names = "--prefix-key-blocks", defaultValue = "" + GenerationOptions.PREFIX_KEY_BLOCKS,
            description = "Leading KV blocks of a prompt that make its routing key. Default: ${DEFAULT-VALUE}.")
    int prefixKeyBlocks;

    @Option(names = "--routing", defaultValue = "PREFIX",
            description = "How requests reach generate subtasks: PREFIX (by prompt prefix, for cache hits, with bounded load) or ROUND_ROBIN. Default: ${DEFAULT-VALUE}.")
    PipelineOptions.Routing routing;

    @Option(names = "--routing-balance", defaultValue = "" + GenerationOptions.ROUTING_BALANCE, paramLabel = "EPSILON",
            description = "PREFIX routing sends a prefix elsewhere once its subtask has more than (1 + EPSILON) times the average"
                    + " recent load; Infinity for pure affinity. Default: ${DEFAULT-VALUE}.")
    double routingBalance;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model name requests may give; others get a 404 model_not_found result."
                    + " Default: the --model argument, or its last path element.")
    String servedModelName;

    @Option(names = "--model-parallelism", paramLabel = "NAME=N",
            description = "Generate subtasks of the model served as NAME, when a job serves several (repeatable)."
                    + " Default: the job's parallelism.")
    Map<String, Integer> modelParallelism = new LinkedHashMap<>();

    @Option(names = "--removed-model", paramLabel = "NAME",
            description = "A model (its served name) that the run this one resumes served and this one does not (repeatable):"
                    + " its requests in flight in the restored state get a 404 error result, instead of the restore failing.")
    List<String> removedModels = new ArrayList<>();

    /**
     * The options of every --model of {@code engineOptions}: the first model (resolved as
     * {@code engine}) is served under --served-model-name, its {@code =NAME}, or the --model argument
     * and its last path element; the others under their {@code =NAME} or argument.
     */
    public GenerationOptions toOptions(EngineOptions engineOptions, EngineConfig engine) {
        String firstName = servedModelName != null ? servedModelName : engineOptions.servedName();
        ServedModel served = (firstName != null ? ServedModel.named(firstName) : ServedModel.ofModelArgument(engineOptions.model()))
                .withAdapters(engine.lora().modules().keySet());
        return new GenerationOptions(engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing, routingBalance, served,
                moreModels(engineOptions.moreModels(), served, modelParallelism), removedModels);
    }

    /**
     * The models after the first, each served under its {@code =NAME} or its argument, with its
     * generate parallelism from {@code parallelism} by that name (0: the job's).
     *
     * @throws IllegalArgumentException when two models share a name
     */
    public static List<ModelRoute> moreModels(List<EngineOptions.NamedModel> models, ServedModel first,
            Map<String, Integer> parallelism) {
        List<ModelRoute> more = new ArrayList<>();
        Set<String> names = new HashSet<>(first.names());
        for (EngineOptions.NamedModel m : models) {
            ServedModel s = m.servedName() != null ? ServedModel.named(m.servedName()) : ServedModel.ofModelArgument(m.argument());
            for (String name : s.names()) {
                if (!names.add(name)) {
                    throw new IllegalArgumentException("two models are served as " + name
                            + "; name them apart with --model PATH=NAME");
                }
            }
            more.add(new ModelRoute(m.config(), s, parallelism.getOrDefault(s.name(), 0)));
        }
        return more;
    }
}
