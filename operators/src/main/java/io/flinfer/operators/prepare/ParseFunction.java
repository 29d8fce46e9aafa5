package io.flinfer.operators.prepare;

import io.flinfer.operators.records.DeadLetter;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.ParsedRecord;
import io.flinfer.operators.records.RawRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.SideOutputs;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Parses input records. A request goes on; a request that cannot be served becomes an error result
 * ({@link SideOutputs#ERROR_RESULTS}); bytes that are not a request go to
 * {@link SideOutputs#DEAD_LETTERS} with their source coordinates and the reason. Nothing is dropped
 * and nothing throws.
 */
public final class ParseFunction extends ProcessFunction<RawRecord, InferenceRequest> {
    private static final long serialVersionUID = 1L;

    private final RequestParser parser;
    private transient ParseMetrics metrics;

    public ParseFunction(RequestParser parser) {
        this.parser = parser;
    }

    @Override
    public void open(OpenContext context) {
        metrics = new ParseMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<InferenceRequest> out) {
        ParsedRecord parsed = parser.parse(record.value());
        metrics.count(parsed);
        if (parsed instanceof ParsedRecord.Valid valid) {
            out.collect(valid.request());
        } else if (parsed instanceof ParsedRecord.BadRequest bad) {
            ctx.output(SideOutputs.ERROR_RESULTS, ResultLine.error(bad.customId(), bad.error(), bad.message()));
        } else {
            ParsedRecord.NotARequest notARequest = (ParsedRecord.NotARequest) parsed;
            ctx.output(SideOutputs.DEAD_LETTERS, DeadLetter.toJson(record.topic(), record.partition(), record.offset(),
                    notARequest.reason(), record.value()));
        }
    }
}
