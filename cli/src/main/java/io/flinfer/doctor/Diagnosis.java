package io.flinfer.doctor;

import ai.djl.engine.Engine;
import io.flinfer.engine.ComputeDevice;
import io.flinfer.engine.Dtype;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.GreedyGolden;
import io.flinfer.engine.GreedyGolden.Outcome;
import io.flinfer.engine.Llm;
import io.flinfer.engine.Quantization;
import io.flinfer.engine.StepThreads;
import io.flinfer.engine.TensorThread;
import io.flinfer.engine.model.ComputePaths;
import io.flinfer.models.BundledModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What {@code flinfer doctor} finds: the machine as the engine's kernels see it, the compute paths
 * a model's load-time check chose here (and what each check measured), and whether the engine
 * still reproduces llama2.c's greedy output for the bundled stories260K.
 *
 * @param machine labelled facts, in the order to print them
 * @param model the model whose paths were checked
 * @param paths the paths chosen and their checks
 * @param golden one outcome per golden prompt, computed in float32: the check
 * @param goldenAtPrecision the same prompts computed at the precision asked for, where it is not float32 (else
 *     empty): reported, not required identical, since rounding may change a greedy choice
 * @param goldenSeconds how long the float32 golden prompts took
 */
public record Diagnosis(Map<String, String> machine, Path model, ComputePaths paths, List<Outcome> golden,
        List<Outcome> goldenAtPrecision, double goldenSeconds) {
    private static final long KV_CACHE_BYTES = 64L << 20;

    /** The compute dtype and weight quantization to check the paths of (and to replay the golden prompts in). */
    public record Precision(Dtype dtype, Quantization quantization) {
        public static final Precision DEFAULT = new Precision(Dtype.AUTO, Quantization.NONE);

        /** Whether stories260K, stored in float32, computes in plain float32 at this precision. */
        boolean float32OnStories() {
            return (dtype == Dtype.AUTO || dtype == Dtype.FLOAT32) && quantization == Quantization.NONE;
        }
    }

    /**
     * Loads {@code model} (the bundled stories260K when null) on {@code device} at {@code precision}
     * and checks it; replays the golden prompts in float32 and, if asked for another precision, in it.
     */
    public static Diagnosis run(Path model, ComputeDevice device, Precision precision) {
        Path stories = BundledModels.stories260K();
        Path checked = model == null ? stories : model;
        GreedyGolden golden = GreedyGolden.read(BundledModels.stories260KGreedyGolden());
        // stories260K is stored in float32, so by default it computes in float32: the golden check.
        try (Llm storiesLlm = load(stories, device, Precision.DEFAULT)) {
            long start = System.nanoTime();
            List<Outcome> outcomes = golden.replay(storiesLlm);
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Outcome> atPrecision = List.of();
            if (!precision.float32OnStories()) {
                try (Llm atPrecisionLlm = load(stories, device, precision)) {
                    atPrecision = golden.replay(atPrecisionLlm);
                }
            }
            // The bundled model, checked by default, is loaded once for both.
            ComputePaths paths = checked.equals(stories) && precision.float32OnStories() ? storiesLlm.engine().computePaths()
                    : pathsOf(checked, device, precision);
            return new Diagnosis(machine(device), checked, paths, outcomes, atPrecision, seconds);
        }
    }

    private static ComputePaths pathsOf(Path model, ComputeDevice device, Precision precision) {
        try (Llm llm = load(model, device, precision)) {
            return llm.engine().computePaths();
        }
    }

    public boolean goldenPassed() {
        return golden.stream().allMatch(Outcome::passed);
    }

    private static Llm load(Path model, ComputeDevice device, Precision precision) {
        return Llm.load(EngineConfig.defaults(model).withKvCacheMemory(KV_CACHE_BYTES).withDevice(device)
                .withPrecision(precision.dtype(), Dtype.AUTO, precision.quantization()));
    }

    private static Map<String, String> machine(ComputeDevice device) {
        CpuInfo cpu = CpuInfo.read();
        Runtime runtime = Runtime.getRuntime();
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vendor") + "), max heap " + runtime.maxMemory() / (1 << 20) + " MiB");
        facts.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        facts.put("CPU", cpu + ", " + runtime.availableProcessors() + " processors for the JVM");
        facts.put("CPU flags", String.join(" ", cpu.flags()) + (cpu.missing().isEmpty() ? ""
                : "  (lacks " + String.join(" ", cpu.missing()) + ")"));
        facts.put("threads", TensorThread.numThreads() + " intra-op (-Dai.djl.pytorch.num_threads=N to change)"
                + (StepThreads.adaptive() ? "; steps of up to " + StepThreads.MAX_TIMED_TOKENS + " tokens on whichever of "
                        + Arrays.stream(StepThreads.candidates(TensorThread.numThreads())).mapToObj(String::valueOf)
                                .collect(Collectors.joining(", ")) + " their timed steps chose (-Dflinfer.threads=fixed: all)"
                        : "; every step on all of them (-Dflinfer.threads=fixed)"));
        facts.put("libtorch", Engine.getEngine("PyTorch").getVersion() + " through DJL " + Engine.getDjlVersion()
                + ", with the oneDNN and MKL it bundles");
        facts.put("oneDNN ISA", Objects.requireNonNullElse(System.getenv("ONEDNN_MAX_CPU_ISA"),
                "the best this CPU has (ONEDNN_MAX_CPU_ISA not set)"));
        facts.put("device", device.toString());
        return facts;
    }
}
