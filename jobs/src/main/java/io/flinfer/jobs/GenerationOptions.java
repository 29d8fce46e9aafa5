package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the inference steps of every job need, whatever feeds them (Kafka or files). The defaults are
 * constants here, so that command-line options can name them in their annotations.
 *
 * @param maxInFlight most requests in flight per generate subtask
 * @param prefixKeyBlocks how many leading KV blocks of a prompt make its routing key
 * @param routing how requests reach generate subtasks: by prefix key (cache affinity) or round robin
 * @param routingBalance ε of prefix routing: a generate subtask takes at most (1 + ε) times the average
 *     recent load before a prefix spills to the next subtask on its ring; {@code Double.POSITIVE_INFINITY}
 *     for pure affinity
 * @param servedModel the names requests may give in "model"; others are answered 404
 * @param moreModels further models of the job, each with operators of its own, reached by the names
 *     requests give; the model above serves requests that name none
 * @param removedModels the names of models an earlier run of the job served and this one does not
 *     ({@code --removed-model}): their requests in flight in the restored state are answered with an error
 */
public record GenerationOptions(
        EngineConfig engine,
        int maxInFlight,
        Duration requestTimeout,
        int prefixKeyBlocks,
        PipelineOptions.Routing routing,
        double routingBalance,
        ServedModel servedModel,
        List<ModelRoute> moreModels,
        List<String> removedModels) implements Serializable {

    public static final int MAX_IN_FLIGHT = 128;
    public static final String REQUEST_TIMEOUT = "10m";
    public static final int PREFIX_KEY_BLOCKS = 4;
    /** A fair share and a quarter: affinity keeps most keys, no subtask runs far ahead of the rest. */
    public static final double ROUTING_BALANCE = 0.25;

    public GenerationOptions {
        moreModels = List.copyOf(moreModels);
        removedModels = List.copyOf(removedModels);
        for (ModelRoute model : models(engine, servedModel, moreModels)) {
            for (String removed : removedModels) {
                if (model.served().serves(removed)) {
                    throw new IllegalArgumentException("--removed-model " + removed + " is a model (or adapter) the job serves");
                }
            }
        }
    }

    /** None removed. */
    public GenerationOptions(EngineConfig engine, int maxInFlight, Duration requestTimeout, int prefixKeyBlocks,
            PipelineOptions.Routing routing, double routingBalance, ServedModel servedModel, List<ModelRoute> moreModels) {
        this(engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing, routingBalance, servedModel, moreModels, List.of());
    }

    /** One model. */
    public GenerationOptions(EngineConfig engine, int maxInFlight, Duration requestTimeout, int prefixKeyBlocks,
            PipelineOptions.Routing routing, double routingBalance, ServedModel servedModel) {
        this(engine, maxInFlight, requestTimeout, prefixKeyBlocks, routing, routingBalance, servedModel, List.of());
    }

    /** The task slots a job of {@code parallelism} needs: each further model's operators have slots of their own. */
    public int slots(int parallelism) {
        return parallelism + moreModels.stream().mapToInt(m -> Math.max(parallelism, m.parallelism())).sum();
    }

    /** Every model of the job, the first the one requests without a name reach. */
    public List<ModelRoute> models() {
        return models(engine, servedModel, moreModels);
    }

    private static List<ModelRoute> models(EngineConfig engine, ServedModel servedModel, List<ModelRoute> moreModels) {
        List<ModelRoute> all = new ArrayList<>();
        all.add(new ModelRoute(engine, servedModel, 0));
        all.addAll(moreModels);
        return all;
    }
}
