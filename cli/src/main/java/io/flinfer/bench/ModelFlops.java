package io.flinfer.bench;

/**
 * Model FLOPs utilisation: {@code 2 x matmul parameters} FLOPs per processed token (a multiply and an
 * add per weight), over the measured peak of {@link PeakFlops}.
 */
public record ModelFlops(long matmulParameters, double peakFlopsPerSecond) {
    public double utilisation(long tokens, double seconds) {
        return seconds <= 0 ? 0 : 2.0 * matmulParameters * tokens / seconds / peakFlopsPerSecond;
    }
}
