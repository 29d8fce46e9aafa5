package io.flinfer.operators.prepare;

import io.flinfer.operators.generate.ResultLine;
import io.flinfer.operators.records.DeadLetter;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.ParsedRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses input records. A request goes on; a request that cannot be served becomes an error result
 * (side output {@link #RESULTS}); bytes that are not a request go to the dead-letter side output
 * with their source coordinates and the reason. Nothing is dropped and nothing throws.
 */
public final class ParseFunction extends ProcessFunction<RawRecord, InferenceRequest> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<ResultLine> RESULTS = new OutputTag<>("error-results") {};
    public static final OutputTag<String> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    /** The labels of {@code dead_letters{reason=...}}: a small fixed set, so metrics do not get one series per message. */
    static final List<String> REASON_KINDS = List.of("too_large", "no_custom_id", "not_json", "other");

    private final RequestParser parser;
    private transient Map<String, Counter> deadLettersByReason;
    private transient Counter badRequests;

    public ParseFunction(RequestParser parser) {
        this.parser = parser;
    }

    @Override
    public void open(OpenContext context) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        // Registered up front, so a dashboard shows 0 rather than no data before the first dead letter.
        deadLettersByReason = new HashMap<>();
        for (String kind : REASON_KINDS) {
            deadLettersByReason.put(kind, metrics.addGroup("reason", kind).counter("dead_letters"));
        }
        badRequests = metrics.counter("bad_requests");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<InferenceRequest> out) {
        ParsedRecord parsed = parser.parse(record.value());
        if (parsed instanceof ParsedRecord.Valid valid) {
            out.collect(valid.request());
        } else if (parsed instanceof ParsedRecord.BadRequest bad) {
            badRequests.inc();
            ctx.output(RESULTS, new ResultLine(bad.customId(), ResultWriter.badRequest(bad.customId(), bad.message())));
        } else {
            String reason = ((ParsedRecord.NotARequest) parsed).reason();
            deadLettersByReason.get(reasonKind(reason)).inc();
            ctx.output(DEAD_LETTERS, DeadLetter.toJson(record.topic(), record.partition(), record.offset(), reason, record.value()));
        }
    }

    /** One of {@link #REASON_KINDS}. */
    static String reasonKind(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.contains("larger") || r.contains("limit") || r.contains("bytes")) {
            return "too_large";
        }
        if (r.contains("custom_id")) {
            return "no_custom_id";
        }
        if (r.contains("json") || r.contains("utf-8") || r.contains("object") || r.contains("empty")) {
            return "not_json";
        }
        return "other";
    }
}
