package io.flinfer.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.flinfer.engine.TensorThread;
import io.flinfer.engine.model.TorchScriptArchive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Times one float32 product {@code y = x @ W^T} through each library path libtorch offers on this
 * device ({@code gemm.py}: plain mm on a transposed copy, ATen's {@code linear}, oneDNN as the
 * engine calls it on a CPU, and MKL packed GEMM, on a weight prepared once), at the shapes the engine
 * runs, with several intra-op thread counts: which path is fastest here, and how close to an optimized
 * BLAS. {@link MachineLimits} takes the best of them as the device's limits.
 */
public final class GemmBenchmark {
    public static final List<String> METHODS = List.of("mm", "linear", "onednn", "mkl_packed");
    /** The reader that only reads the weight: {@link #readRates} times it beside the products. */
    public static final String STREAM_READ = "stream_read";

    /** A product of {@code rows x in} by {@code in x out}. */
    public record GemmShape(String name, int rows, int in, int out) {
        double flops() {
            return 2.0 * rows * in * out;
        }
    }

    /** One timing; {@code error} is set instead when the method is not available here. */
    public record Timing(GemmShape shape, int threads, String method, double gflops, double weightGbPerSecond,
            String error) {}

    private GemmBenchmark() {}

    public static List<Timing> run(Device device, List<GemmShape> shapes, List<Integer> threadCounts) {
        try (TensorThread thread = new TensorThread()) {
            return thread.call(() -> {
                try (NDManager m = NDManager.newBaseManager(device, "PyTorch"); PtSymbolBlock gemm = load(m)) {
                    List<Timing> timings = new ArrayList<>();
                    for (int threads : threadCounts) {
                        JniUtils.setNumThreads(threads);
                        for (GemmShape s : shapes) {
                            NDArray x = m.randomNormal(new Shape(s.rows(), s.in()), DataType.FLOAT32);
                            NDArray w = m.randomNormal(new Shape(s.out(), s.in()), DataType.FLOAT32);
                            for (String method : METHODS) {
                                timings.add(time(gemm, method, s, threads, x, w));
                            }
                        }
                    }
                    return timings;
                }
            });
        }
    }

    /**
     * Reads of {@code shape}'s weight by each reader: the products of {@link #METHODS} and a plain
     * streaming read ({@code stream_read}), each timed {@code repeats} times over {@code runs} reads,
     * the readers taking turns, on {@code threads} intra-op threads.
     */
    public static List<Timing> readRates(Device device, GemmShape shape, int threads, int repeats, int runs) {
        List<String> readers = new ArrayList<>(METHODS);
        readers.add(STREAM_READ);
        try (TensorThread thread = new TensorThread()) {
            return thread.call(() -> {
                try (NDManager m = NDManager.newBaseManager(device, "PyTorch"); PtSymbolBlock gemm = load(m)) {
                    JniUtils.setNumThreads(threads);
                    NDArray x = m.randomNormal(new Shape(shape.rows(), shape.in()), DataType.FLOAT32);
                    NDArray w = m.randomNormal(new Shape(shape.out(), shape.in()), DataType.FLOAT32);
                    List<Timing> timings = new ArrayList<>();
                    for (int r = 0; r < repeats; r++) {
                        for (String reader : readers) {
                            timings.add(time(gemm, reader, shape, threads, x, w, runs));
                        }
                    }
                    return timings;
                }
            });
        }
    }

    private static Timing time(PtSymbolBlock gemm, String method, GemmShape s, int threads, NDArray x, NDArray w) {
        return time(gemm, method, s, threads, x, w, (int) Math.max(3, Math.min(200, 4e9 / s.flops())));
    }

    private static Timing time(PtSymbolBlock gemm, String method, GemmShape s, int threads, NDArray x, NDArray w, int runs) {
        try {
            call(gemm, method, x, w, 2);
            long start = System.nanoTime();
            call(gemm, method, x, w, runs);
            double seconds = (System.nanoTime() - start) / 1e9 / runs;
            return new Timing(s, threads, method, s.flops() / seconds / 1e9, 4.0 * s.in() * s.out() / seconds / 1e9, null);
        } catch (RuntimeException e) {
            return new Timing(s, threads, method, 0, 0, e.getMessage().lines().findFirst().orElse("failed"));
        }
    }

    private static void call(PtSymbolBlock gemm, String method, NDArray x, NDArray w, int runs) {
        try (IValue xv = IValue.from((PtNDArray) x); IValue wv = IValue.from((PtNDArray) w);
                IValue n = IValue.from((long) runs); IValue y = IValueUtils.runMethod(gemm, method, xv, wv, n);
                NDArray result = y.toTensor((PtNDManager) x.getManager()); NDArray corner = result.get(0, 0)) {
            corner.getFloat(); // waits for an asynchronous device
        }
    }

    private static PtSymbolBlock load(NDManager m) {
        try (InputStream in = GemmBenchmark.class.getResourceAsStream("gemm.py")) {
            String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            byte[] archive = TorchScriptArchive.write("Gemm", source, Map.of("training", false));
            return JniUtils.loadModule((PtNDManager) m, new ByteArrayInputStream(archive), true, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
