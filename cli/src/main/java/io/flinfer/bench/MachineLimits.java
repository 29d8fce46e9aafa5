package io.flinfer.bench;

import ai.djl.Device;
import io.flinfer.bench.GemmBenchmark.GemmShape;
import io.flinfer.bench.GemmBenchmark.Timing;
import io.flinfer.engine.TensorThread;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The device's limits, measured in the benchmark's own process rather than taken from a datasheet,
 * so that MFU and MBU say how much of this machine's attainable rates a run used: the float32
 * matrix-multiply rate ({@code 2048x2048 @ 2048x768}, the best of the library paths libtorch offers
 * here, {@link GemmBenchmark}: MKL's sgemm, oneDNN, MKL packed) and the memory bandwidth. The
 * bandwidth is the best of several readers of a 256 MiB matrix (the matrix-vector product, the
 * operation that bounds one-token decoding, through each library path, and a plain streaming read),
 * each read 5 times in turn and taken at its median: one lucky or unlucky read on a shared machine
 * moves it little, and no reader the engine might beat is left out. They run on a tensor thread with
 * the engine's thread count, as the engine issues its work.
 *
 * @param peakFlops float32 FLOP/s of the matrix product
 * @param bandwidth bytes/s the best reader reads (its median of {@link #READS})
 * @param bandwidthReader which reader that was
 */
public record MachineLimits(double peakFlops, double bandwidth, String bandwidthReader) {
    private static final GemmShape PEAK = new GemmShape("peak probe 2048x2048 @ 2048x768", 2048, 2048, 768);
    private static final GemmShape MATVEC = new GemmShape("decode 1 row, 8192->8192 (256 MiB)", 1, 8192, 8192);
    /** Times each bandwidth reader is timed; its median counts. */
    static final int READS = 5;
    /** Reads of the matrix per timing. */
    private static final int RUNS_PER_READ = 8;

    /** The probes' shapes, also among those {@code bench gemm} times. */
    public static final List<GemmShape> PROBES = List.of(PEAK, MATVEC);

    public MachineLimits(double peakFlops, double bandwidth) {
        this(peakFlops, bandwidth, "given");
    }

    public static MachineLimits measure(Device device) {
        List<Timing> peak = GemmBenchmark.run(device, List.of(PEAK), List.of(TensorThread.numThreads()));
        List<Timing> reads = GemmBenchmark.readRates(device, MATVEC, TensorThread.numThreads(), READS, RUNS_PER_READ);
        Map.Entry<String, Double> best = bestMedian(reads);
        return new MachineLimits(peak.stream().mapToDouble(Timing::gflops).max().orElseThrow() * 1e9, best.getValue() * 1e9,
                best.getKey());
    }

    /** The reader whose median rate (GB/s) is highest, with that median; readers that failed here are left out. */
    static Map.Entry<String, Double> bestMedian(List<Timing> reads) {
        Map<String, List<Double>> byReader = reads.stream().filter(t -> t.error() == null).collect(
                Collectors.groupingBy(Timing::method, TreeMap::new, Collectors.mapping(Timing::weightGbPerSecond, Collectors.toList())));
        return byReader.entrySet().stream().map(e -> Map.entry(e.getKey(), median(e.getValue())))
                .max(Map.Entry.comparingByValue()).orElseThrow(() -> new IllegalStateException("no bandwidth reader ran here"));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Model FLOPs utilisation of {@code flops} done in {@code seconds}. */
    public double mfu(double flops, double seconds) {
        return seconds <= 0 ? 0 : flops / seconds / peakFlops;
    }

    /** Memory-bandwidth utilisation of {@code bytes} read in {@code seconds}. */
    public double mbu(double bytes, double seconds) {
        return seconds <= 0 ? 0 : bytes / seconds / bandwidth;
    }

    @Override
    public String toString() {
        return String.format("float32 matmul %.1f GFLOP/s, memory read %.1f GB/s (%s, median of %d)", peakFlops / 1e9,
                bandwidth / 1e9, bandwidthReader, READS);
    }
}
