package io.flinfer.cli;

import io.flinfer.bench.GemmBenchmark;
import io.flinfer.bench.GemmBenchmark.GemmShape;
import io.flinfer.bench.GemmBenchmark.Timing;
import io.flinfer.bench.MachineLimits;
import io.flinfer.engine.ComputeDevice;
import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.EngineOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flinfer bench gemm}: the float32 matrix-product rate of each library path libtorch offers,
 * at the shapes llama-110m runs, for each intra-op thread count.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Float32 GEMM rate of libtorch's paths (mm, linear, oneDNN, MKL packed) at the engine's shapes.")
final class BenchGemmCommand implements Callable<Integer> {
    private static final List<GemmShape> SHAPES = List.of(
            MachineLimits.PROBES.get(0),
            new GemmShape("prefill 2048 tokens, q/k/v 768->1280", 2048, 768, 1280),
            new GemmShape("prefill 2048 tokens, gate/up 768->4096", 2048, 768, 4096),
            new GemmShape("decode 64 rows, gate/up 768->4096", 64, 768, 4096),
            new GemmShape("decode 1 row, gate/up 768->4096", 1, 768, 4096),
            MachineLimits.PROBES.get(1));

    @Option(names = "--device", defaultValue = EngineConfig.DEFAULT_DEVICE, converter = EngineOptions.DeviceConverter.class,
            description = "cpu or cuda:N. Default: ${DEFAULT-VALUE}.")
    ComputeDevice device;

    @Option(names = "--threads", split = ",", description = "Intra-op thread counts to try. Default: 1 and the processors the JVM sees.")
    List<Integer> threads;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<Integer> counts = threads != null ? threads
                : List.of(1, Runtime.getRuntime().availableProcessors()).stream().distinct().toList();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-44s %7s", "shape (GFLOP/s; weight GB/s for one row)", "threads");
        GemmBenchmark.METHODS.forEach(m -> out.printf("%14s", m));
        out.println();
        List<Timing> timings = GemmBenchmark.run(device.djl(), SHAPES, counts);
        for (int i = 0; i < timings.size(); i += GemmBenchmark.METHODS.size()) {
            Timing first = timings.get(i);
            out.printf("%-44s %7d", first.shape().name(), first.threads());
            for (Timing t : timings.subList(i, i + GemmBenchmark.METHODS.size())) {
                out.printf("%14s", t.error() != null ? "n/a"
                        : t.shape().rows() == 1 ? String.format("%.1f GB/s", t.weightGbPerSecond())
                        : String.format("%.1f", t.gflops()));
            }
            out.println();
        }
        timings.stream().filter(t -> t.error() != null).map(t -> t.method() + ": " + t.error()).distinct()
                .forEach(e -> spec.commandLine().getErr().println("n/a " + e));
        return 0;
    }
}
