package io.flinfer.bench;

/**
 * How well the KV cache was used: observed after every step, it keeps the moment with the most
 * slots allocated (the peak) and reports the share of those slots that held no token then.
 */
final class KvOccupancy {
    private long peakSlots;
    private long tokensAtPeak;

    void observe(long allocatedSlots, long tokensHeld) {
        if (allocatedSlots > peakSlots || (allocatedSlots == peakSlots && tokensHeld > tokensAtPeak)) {
            peakSlots = allocatedSlots;
            tokensAtPeak = tokensHeld;
        }
    }

    double wasteFraction() {
        return peakSlots == 0 ? 0 : 1.0 - (double) tokensAtPeak / peakSlots;
    }
}
