package io.flinfer.bench;

import ai.djl.Device;
import io.flinfer.bench.GemmBenchmark.GemmShape;
import io.flinfer.bench.GemmBenchmark.Timing;
import io.flinfer.engine.TensorThread;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The device's limits, measured in the benchmark's own process rather than taken from a datasheet,
 * so that MFU and MBU say how much of this machine's attainable rates a run used: the float32
 * matrix-multiply rate ({@code 2048x2048 @ 2048x768}) and the memory bandwidth of a matrix-vector
 * product over a 256 MiB matrix, the operation that bounds one-token decoding. Each is the best of
 * the library paths libtorch offers here ({@link GemmBenchmark}: MKL's sgemm, oneDNN, MKL packed), so
 * an engine on the fastest path is still measured against what the device can do. They run on a
 * tensor thread with the engine's thread count, as the engine issues its work.
 *
 * @param peakFlops float32 FLOP/s of the matrix product
 * @param bandwidth bytes/s the matrix-vector product reads
 */
public record MachineLimits(double peakFlops, double bandwidth) {
    private static final GemmShape PEAK = new GemmShape("peak probe 2048x2048 @ 2048x768", 2048, 2048, 768);
    private static final GemmShape MATVEC = new GemmShape("decode 1 row, 8192->8192 (256 MiB)", 1, 8192, 8192);

    /** The probes' shapes, also among those {@code bench gemm} times. */
    public static final List<GemmShape> PROBES = List.of(PEAK, MATVEC);

    public static MachineLimits measure(Device device) {
        List<Timing> timings = GemmBenchmark.run(device, PROBES, List.of(TensorThread.numThreads()));
        return new MachineLimits(best(timings, PEAK, Timing::gflops) * 1e9,
                best(timings, MATVEC, Timing::weightGbPerSecond) * 1e9);
    }

    private static double best(List<Timing> timings, GemmShape shape, ToDoubleFunction<Timing> rate) {
        return timings.stream().filter(t -> t.shape().equals(shape)).mapToDouble(rate).max().orElseThrow();
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
        return String.format("float32 matmul %.1f GFLOP/s, matrix-vector read %.1f GB/s", peakFlops / 1e9, bandwidth / 1e9);
    }
}
