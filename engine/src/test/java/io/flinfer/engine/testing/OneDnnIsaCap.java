package io.flinfer.engine.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class under an {@code ONEDNN_MAX_CPU_ISA} cap only where this CPU has that
 * instruction set: the engine's build runs the correctness tests once per cap (see engine/pom.xml),
 * so that a machine checks the kernels every other CPU of its family would pick. Under a cap this
 * CPU lacks, oneDNN would run its best ISA again, which proves nothing new: the tests are skipped.
 */
public final class OneDnnIsaCap implements ExecutionCondition {
    /** The /proc/cpuinfo flags each cap needs. */
    private static final Map<String, List<String>> FLAGS = Map.of(
            "AVX2", List.of("avx2"),
            "AVX2_VNNI", List.of("avx2", "avx_vnni"),
            "AVX512_CORE", List.of("avx512f", "avx512bw", "avx512vl", "avx512dq"),
            "AVX512_CORE_VNNI", List.of("avx512f", "avx512_vnni"),
            "AVX512_CORE_BF16", List.of("avx512f", "avx512_vnni", "avx512_bf16"),
            "AVX512_CORE_FP16", List.of("avx512f", "avx512_fp16"),
            "AVX512_CORE_AMX", List.of("avx512f", "amx_tile", "amx_int8", "amx_bf16"));

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String cap = System.getenv("ONEDNN_MAX_CPU_ISA");
        if (cap == null || cap.isBlank() || cap.equalsIgnoreCase("DEFAULT")) {
            return ConditionEvaluationResult.enabled("no oneDNN ISA cap");
        }
        List<String> needed = FLAGS.get(cap.toUpperCase());
        if (needed == null) {
            return ConditionEvaluationResult.enabled("cap " + cap + " (its CPU flags are not known here)");
        }
        Set<String> flags = cpuFlags();
        return flags.containsAll(needed)
                ? ConditionEvaluationResult.enabled("this CPU has " + cap)
                : ConditionEvaluationResult.disabled("this CPU lacks " + cap + " (needs " + needed + ")");
    }

    private static Set<String> cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
                    .findFirst().map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))).orElse(Set.of());
        } catch (IOException e) {
            return Set.of();
        }
    }
}
