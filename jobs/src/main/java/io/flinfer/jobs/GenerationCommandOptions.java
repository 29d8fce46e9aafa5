package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.time.Duration;
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

    /** @param modelArgument the {@code --model} as given, whose name requests may use unless --served-model-name says otherwise */
    public GenerationOptions toOptions(EngineConfig engine, String modelArgument) {
        ServedModel served = (servedModelName != null ? ServedModel.named(servedModelName) : ServedModel.ofModelArgument(modelArgument))
                .withAdapters(engine.lora().modules().keySet());
        return new GenerationOptions(engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing, routingBalance, served);
    }
}
