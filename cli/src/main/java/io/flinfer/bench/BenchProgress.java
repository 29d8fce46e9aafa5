package io.flinfer.bench;

import java.io.PrintWriter;

/** Progress lines on stderr while a benchmark runs, at most one every few seconds, and one at the end. */
public final class BenchProgress {
    private static final long INTERVAL_NANOS = 5_000_000_000L;
    private final PrintWriter err;
    private final String label;
    private long lastPrinted = System.nanoTime();

    public BenchProgress(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    /** Progress lines of another phase of the same benchmark. */
    BenchProgress named(String otherLabel) {
        return new BenchProgress(err, otherLabel);
    }

    void update(int finished, int total, long outputTokens, double seconds) {
        long now = System.nanoTime();
        if (finished == total || now - lastPrinted >= INTERVAL_NANOS) {
            lastPrinted = now;
            err.printf("[%s] %d/%d requests finished, %.1f output tokens/s, %.0f s%n",
                    label, finished, total, outputTokens / Math.max(seconds, 1e-9), seconds);
            err.flush();
        }
    }
}
