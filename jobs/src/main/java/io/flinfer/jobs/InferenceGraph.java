package io.flinfer.jobs;

import io.flinfer.operators.generate.GenerateOperatorFactory;
import io.flinfer.operators.generate.RemovedModelOperator;
import io.flinfer.operators.prepare.ParseFunction;
import io.flinfer.operators.prepare.PrepareFunction;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.RawRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ServedModel;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.SideOutputs;
import io.flinfer.operators.route.PrefixPartitioner;
import java.util.List;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The middle of every job, from request lines to result lines: parse -> prepare -> (partitioned by
 * prefix, bounded load) -> generate. The streaming job feeds it from Kafka and the batch job from files, so both get
 * the same validation, routing, engine and metrics.
 *
 * <pre>
 * raw -> parse -> prepare =(prefix, bounded load)=> generate -> results
 *          |         \-> error results ---------------------/
 *          \-> error results (valid JSON, invalid request) /
 *          \-> dead letters (not a request)
 * </pre>
 * The batch job parses its rows itself and joins after parse ({@link #addAfterParse}).
 */
public final class InferenceGraph {
    /** What comes out: a result line per request, and the records that were not requests. */
    public record Outputs(DataStream<ResultLine> results, DataStream<String> deadLetters) {}

    private InferenceGraph() {}

    public static Outputs add(DataStream<RawRecord> raw, GenerationOptions o) {
        SingleOutputStreamOperator<InferenceRequest> parsed = raw
                .process(new ParseFunction(parser(o)))
                .name("parse").uid("parse");
        DataStream<ResultLine> results = addAfterParse(parsed, o).union(parsed.getSideOutput(SideOutputs.ERROR_RESULTS));
        return new Outputs(results, parsed.getSideOutput(SideOutputs.DEAD_LETTERS));
    }

    /** The parser of requests for these models: a request naming none of their names is a 404. */
    public static RequestParser parser(GenerationOptions o) {
        return new RequestParser(RequestParser.DEFAULT_MAX_RECORD_BYTES, o.models().stream().map(ModelRoute::served).toList());
    }

    /**
     * From parsed requests on, for a job that parses its own input (the batch job reads rows, not
     * request lines): a result per request, error results of prepare included, each request answered
     * by the model it names.
     */
    public static DataStream<ResultLine> addAfterParse(DataStream<InferenceRequest> parsed, GenerationOptions o) {
        DataStream<ResultLine> results = generateAll(parsed, o);
        for (String removed : o.removedModels()) {
            results = results.union(answerRemoved(parsed, removed));
        }
        return results;
    }

    private static DataStream<ResultLine> generateAll(DataStream<InferenceRequest> parsed, GenerationOptions o) {
        List<ModelRoute> models = o.models();
        if (models.size() == 1) {
            return generate(parsed, models.get(0), "", o);
        }
        DataStream<ResultLine> results = null;
        for (int m = 0; m < models.size(); m++) {
            ModelRoute model = models.get(m);
            DataStream<ResultLine> generated = generate(servedBy(parsed, model.served()), model, m == 0 ? "" : "-" + model.name(), o);
            results = results == null ? generated : results.union(generated);
        }
        return results;
    }

    private static DataStream<InferenceRequest> servedBy(DataStream<InferenceRequest> parsed, ServedModel model) {
        return parsed.filter(new ServesModel(model)).name("model " + model.name()).uid("route-" + model.name());
    }

    /**
     * Where a removed model's generate operator was (its uid): its restored in-flight requests are
     * answered with an error, instead of Flink refusing the state it could not map to an operator.
     */
    private static DataStream<ResultLine> answerRemoved(DataStream<InferenceRequest> parsed, String model) {
        return servedBy(parsed, ServedModel.named(model))
                .transform("removed-" + model, TypeInformation.of(ResultLine.class), new RemovedModelOperator(model))
                .uid("generate-" + model);
    }

    /**
     * One model's prepare and generate, with their error results. The first model's operators keep
     * their one-model uids, so a job that gains a model restores the state it had; the others are
     * suffixed with their name and run in a slot sharing group of their own (their engine does not
     * share a slot's memory with another model's).
     */
    private static DataStream<ResultLine> generate(DataStream<InferenceRequest> requests, ModelRoute model,
            String suffix, GenerationOptions o) {
        SingleOutputStreamOperator<PreparedRequest> prepared = requests
                .process(new PrepareFunction(model.engine(), o.prefixKeyBlocks()))
                .name("prepare" + suffix).uid("prepare" + suffix);
        SingleOutputStreamOperator<ResultLine> generated = route(prepared, o)
                .transform("generate" + suffix, TypeInformation.of(ResultLine.class),
                        new GenerateOperatorFactory(model.engine(), model.served(), o.maxInFlight(), o.requestTimeout()))
                .uid("generate" + suffix);
        if (!suffix.isEmpty()) {
            prepared.slotSharingGroup("model" + suffix);
            generated.slotSharingGroup("model" + suffix);
        }
        if (model.parallelism() > 0) {
            generated.setParallelism(model.parallelism());
        }
        return generated.union(prepared.getSideOutput(SideOutputs.ERROR_RESULTS));
    }

    /** Keeps the requests that name one of a model's names (the first model also takes those naming none, parsed to its name). */
    private record ServesModel(ServedModel model) implements FilterFunction<InferenceRequest> {
        @Override
        public boolean filter(InferenceRequest request) {
            return model.serves(request.model());
        }
    }

    /**
     * By prefix: each upstream subtask's {@link PrefixPartitioner} picks the generate subtask (bounded
     * loads over the prefix key's ring order, on as many subtasks as generate has).
     */
    private static DataStream<PreparedRequest> route(DataStream<PreparedRequest> prepared, GenerationOptions o) {
        if (o.routing() == PipelineOptions.Routing.ROUND_ROBIN) {
            return prepared.rebalance();
        }
        return prepared.partitionCustom(new PrefixPartitioner(o.routingBalance()), PreparedRequest::prefixKey);
    }
}
