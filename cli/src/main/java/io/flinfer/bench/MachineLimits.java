package io.flinfer.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinfer.engine.TensorThread;
import java.util.function.Supplier;

/**
 * The device's limits, measured in the benchmark's own process rather than taken from a datasheet,
 * so that MFU and MBU say how much of this machine's attainable rates a run used: the float32
 * matrix-multiply rate ({@code 2048x2048 @ 2048x768}) and the memory bandwidth of a matrix-vector
 * product over a 256 MiB matrix, the operation that bounds one-token decoding. Both run through
 * DJL on a tensor thread, as the engine issues its work, warmed up and then timed.
 *
 * @param peakFlops float32 FLOP/s of the matrix product
 * @param bandwidth bytes/s the matrix-vector product reads
 */
public record MachineLimits(double peakFlops, double bandwidth) {
    private static final int RUNS = 20;

    public static MachineLimits measure(Device device) {
        try (TensorThread thread = new TensorThread()) {
            return thread.call(() -> {
                try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
                    return new MachineLimits(matmulFlops(m), matvecBandwidth(m));
                }
            });
        }
    }

    private static double matmulFlops(NDManager m) {
        NDArray a = m.randomNormal(new Shape(2048, 2048), DataType.FLOAT32);
        NDArray b = m.randomNormal(new Shape(2048, 768), DataType.FLOAT32);
        return 2.0 * 2048 * 2048 * 768 / secondsPerRun(() -> a.matMul(b));
    }

    /** {@code x @ W^T} with one row, as {@code linear} computes a decode step; W is {@code [8192, 8192]}. */
    private static double matvecBandwidth(NDManager m) {
        NDArray w = m.randomNormal(new Shape(8192, 8192), DataType.FLOAT32);
        NDArray x = m.randomNormal(new Shape(1, 8192), DataType.FLOAT32);
        NDArray wt = w.transpose();
        return 4.0 * 8192 * 8192 / secondsPerRun(() -> x.matMul(wt));
    }

    /** Reading one value back waits for the device, so asynchronous GPUs are timed fully. */
    private static double secondsPerRun(Supplier<NDArray> op) {
        for (int i = 0; i < 3; i++) {
            run(op);
        }
        long start = System.nanoTime();
        for (int i = 0; i < RUNS; i++) {
            run(op);
        }
        return (System.nanoTime() - start) / 1e9 / RUNS;
    }

    private static void run(Supplier<NDArray> op) {
        try (NDArray c = op.get(); NDArray corner = c.get(0, 0)) {
            corner.getFloat();
        }
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
