package io.flinfer.cli;

import io.flinfer.jobs.batch.BatchCounters;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress line of a batch run: rows done of the total (when known), output tokens per second
 * and the time left. On a terminal it redraws one line; into a file it writes a line now and then.
 */
final class BatchProgressBar {
    private static final int WIDTH = 30;
    private static final Duration FILE_EVERY = Duration.ofSeconds(30);

    private final PrintWriter err;
    private final BatchCounters counters;
    private final long rowsBefore;
    private final AtomicLong total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastPrinted;

    /**
     * @param rowsBefore rows an earlier, interrupted run already wrote
     * @param total rows of the input; negative while they are being counted
     */
    BatchProgressBar(PrintWriter err, BatchCounters counters, long rowsBefore, AtomicLong total, boolean terminal) {
        this.err = err;
        this.counters = counters;
        this.rowsBefore = rowsBefore;
        this.total = total;
        this.terminal = terminal;
    }

    void update() {
        long now = System.nanoTime();
        if (!terminal && now - lastPrinted < FILE_EVERY.toNanos()) {
            return;
        }
        lastPrinted = now;
        err.print((terminal ? "\r" : "") + line(now) + (terminal ? "" : "\n"));
        err.flush();
    }

    void finish() {
        if (terminal) {
            err.print("\r" + line(System.nanoTime()) + "\n");
            err.flush();
        }
    }

    String line(long now) {
        double seconds = Math.max((now - start) / 1e9, 1e-3);
        long doneThisRun = counters.rows.get();
        long done = rowsBefore + doneThisRun;
        long all = total.get();
        double tokensPerSecond = counters.completionTokens.get() / seconds;
        StringBuilder line = new StringBuilder();
        if (all > 0) {
            int filled = (int) Math.min(WIDTH, WIDTH * done / all);
            line.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ")
                    .append(done).append('/').append(all).append(" rows");
        } else {
            line.append(done).append(" rows");
        }
        line.append(String.format("  %.1f output tokens/s", tokensPerSecond));
        if (all > 0 && doneThisRun > 0 && done < all) {
            long left = Math.round((all - done) * seconds / doneThisRun);
            line.append("  ETA ").append(BatchCommand.formatSeconds(left));
        }
        return line.toString();
    }
}
