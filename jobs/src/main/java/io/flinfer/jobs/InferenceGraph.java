package io.flinfer.jobs;

import io.flinfer.operators.generate.GenerateOperatorFactory;
import io.flinfer.operators.prepare.ParseFunction;
import io.flinfer.operators.prepare.PrepareFunction;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.RawRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.SideOutputs;
import io.flinfer.operators.route.PrefixPartitioner;
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
                .process(new ParseFunction(new RequestParser(o.servedModel())))
                .name("parse").uid("parse");
        DataStream<ResultLine> results = addAfterParse(parsed, o).union(parsed.getSideOutput(SideOutputs.ERROR_RESULTS));
        return new Outputs(results, parsed.getSideOutput(SideOutputs.DEAD_LETTERS));
    }

    /**
     * From parsed requests on, for a job that parses its own input (the batch job reads rows, not
     * request lines): a result per request, error results of prepare included.
     */
    public static DataStream<ResultLine> addAfterParse(DataStream<InferenceRequest> parsed, GenerationOptions o) {
        SingleOutputStreamOperator<PreparedRequest> prepared = parsed
                .process(new PrepareFunction(o.engine(), o.prefixKeyBlocks()))
                .name("prepare").uid("prepare");
        DataStream<ResultLine> generated = route(prepared, o)
                .transform("generate", TypeInformation.of(ResultLine.class),
                        new GenerateOperatorFactory(o.engine(), o.maxInFlight(), o.requestTimeout()))
                .uid("generate");
        return generated.union(prepared.getSideOutput(SideOutputs.ERROR_RESULTS));
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
