package io.flinfer.engine;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where an engine's step time goes, summed over steps: scheduling, building the model input, the
 * forward pass, sampling, and turning tokens into outputs; and how much KV context the steps read.
 * On an asynchronous device (CUDA) the forward call returns before the device is done and its time
 * shows up in sampling, which waits for the token ids.
 */
public final class StepProfile {
    public enum Phase { SCHEDULE, PREPARE, FORWARD, SAMPLE, OUTPUT }

    private final long[] nanos = new long[Phase.values().length];
    private long steps;
    private long contextTokensRead;
    private long last;

    /** A step that runs a batch began at {@code nanos} (System.nanoTime). */
    void start(long nanos) {
        steps++;
        last = nanos;
    }

    void lap(Phase phase) {
        long now = System.nanoTime();
        nanos[phase.ordinal()] += now - last;
        last = now;
    }

    /** Records that a step's attention read {@code tokens} cached tokens (summed over sequences). */
    void readContext(long tokens) {
        contextTokensRead += tokens;
    }

    /** Steps that ran a batch so far. */
    public long steps() {
        return steps;
    }

    /** Cached tokens attention read so far, summed over steps and sequences (per layer, K and V). */
    public long contextTokensRead() {
        return contextTokensRead;
    }

    /** Total seconds per phase so far. */
    public Map<Phase, Double> seconds() {
        Map<Phase, Double> out = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            out.put(p, nanos[p.ordinal()] / 1e9);
        }
        return out;
    }
}
