package io.flinfer.operators.prepare;

import io.flinfer.operators.records.DeadLetterReason;
import io.flinfer.operators.records.ParsedRecord;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * What parsing refused, as metrics: {@code bad_requests}, and {@code dead_letters} by reason. Every
 * step that parses records (the streaming job's parse, the batch job's rows) counts through it.
 */
public final class ParseMetrics {
    private final Map<DeadLetterReason, Counter> deadLettersByReason = new EnumMap<>(DeadLetterReason.class);
    private final Counter badRequests;

    public ParseMetrics(MetricGroup metrics) {
        // Registered up front, so a dashboard shows 0 rather than no data before the first dead letter.
        for (DeadLetterReason kind : DeadLetterReason.values()) {
            deadLettersByReason.put(kind, metrics.addGroup("reason", kind.label()).counter("dead_letters"));
        }
        badRequests = metrics.counter("bad_requests");
    }

    public void count(ParsedRecord parsed) {
        if (parsed instanceof ParsedRecord.BadRequest) {
            badRequests.inc();
        } else if (parsed instanceof ParsedRecord.NotARequest notARequest) {
            deadLettersByReason.get(notARequest.kind()).inc();
        }
    }
}
