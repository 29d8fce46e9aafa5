package io.flinfer.jobs.batch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * What a run has written so far in this JVM: rows, error rows and tokens, added up as rows reach the
 * sink. The local command line reads them for its progress bar and summary (the MiniCluster runs in
 * its process); on a cluster they only count in each TaskManager and nobody reads them.
 */
public final class BatchCounters {
    private static final Map<String, BatchCounters> RUNS = new ConcurrentHashMap<>();

    public final AtomicLong rows = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    public final AtomicLong promptTokens = new AtomicLong();
    public final AtomicLong completionTokens = new AtomicLong();
    public final AtomicLong cachedTokens = new AtomicLong();
    /** When the last row reached the sink (epoch milliseconds); 0 before the first. */
    public final AtomicLong lastRowMillis = new AtomicLong();

    public static BatchCounters of(String runId) {
        return RUNS.computeIfAbsent(runId, id -> new BatchCounters());
    }

    void add(OutputRow row) {
        rows.incrementAndGet();
        if (row.isError()) {
            errors.incrementAndGet();
        }
        promptTokens.addAndGet(row.promptTokens());
        completionTokens.addAndGet(row.completionTokens());
        cachedTokens.addAndGet(row.cachedTokens());
        lastRowMillis.set(System.currentTimeMillis());
    }

    /** Counts each row on its way to the sink and passes it on. */
    static final class Counting implements MapFunction<OutputRow, OutputRow> {
        private static final long serialVersionUID = 1L;

        private final String runId;

        Counting(String runId) {
            this.runId = runId;
        }

        @Override
        public OutputRow map(OutputRow row) {
            of(runId).add(row);
            return row;
        }
    }
}
