package io.flinfer.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The device's float32 matrix-multiply rate, measured here rather than taken from a datasheet, so
 * MFU says how much of this machine's attainable rate the engine used: a {@code 2048x2048 @
 * 2048x768} product through DJL, warmed up, then timed over {@value #RUNS} runs.
 */
public final class PeakFlops {
    private static final int M = 2048;
    private static final int K = 2048;
    private static final int N = 768;
    private static final int WARMUP = 3;
    private static final int RUNS = 20;

    private PeakFlops() {}

    /**
     * Floating-point operations per second of the product on {@code device}, measured on a thread of
     * its own as the engine runs its tensor work (the JVM's main thread is slower here).
     */
    public static double measure(Device device) {
        double[] result = new double[1];
        Thread thread = new Thread(() -> result[0] = measureHere(device), "flinfer-peak-flops");
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring peak FLOP/s", e);
        }
        return result[0];
    }

    private static double measureHere(Device device) {
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            NDArray a = m.randomNormal(new Shape(M, K), DataType.FLOAT32);
            NDArray b = m.randomNormal(new Shape(K, N), DataType.FLOAT32);
            for (int i = 0; i < WARMUP; i++) {
                multiply(a, b);
            }
            long start = System.nanoTime();
            for (int i = 0; i < RUNS; i++) {
                multiply(a, b);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return 2.0 * M * K * N * RUNS / seconds;
        }
    }

    /** Reading one value back waits for the device, so asynchronous GPUs are timed fully. */
    private static void multiply(NDArray a, NDArray b) {
        try (NDArray c = a.matMul(b); NDArray corner = c.get(0, 0)) {
            corner.getFloat();
        }
    }
}
