package io.flinfer.engine;

/** A finished request's milestones, from {@link System#nanoTime()}. */
public record RequestTimings(long arrivalNanos, long firstScheduledNanos, long firstTokenNanos, long finishedNanos, int numOutputTokens) {
    public double queueSeconds() {
        return (firstScheduledNanos - arrivalNanos) / 1e9;
    }

    public double timeToFirstTokenSeconds() {
        return (firstTokenNanos - arrivalNanos) / 1e9;
    }

    public double e2eSeconds() {
        return (finishedNanos - arrivalNanos) / 1e9;
    }

    /** Mean time per output token after the first. */
    public double timePerOutputTokenSeconds() {
        return numOutputTokens > 1 ? (finishedNanos - firstTokenNanos) / 1e9 / (numOutputTokens - 1) : 0;
    }
}
