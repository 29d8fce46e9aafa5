package io.flinfer.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * What this CPU computes natively, from the flags Linux lists in /proc/cpuinfo: which kernels the
 * model's paths may take (and so which dtype {@code auto} picks).
 */
public final class CpuFeatures {
    private static final Set<String> FLAGS = read(Path.of("/proc/cpuinfo"));

    private CpuFeatures() {}

    /** BF16 dot products in hardware ({@code avx512_bf16} or AMX): oneDNN multiplies bfloat16 at full speed. */
    public static boolean hasBf16() {
        return hasBf16(FLAGS);
    }

    static boolean hasBf16(Set<String> flags) {
        return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
    }

    /**
     * int8 dot products that sum into 32 bits ({@code avx512_vnni}, {@code avx_vnni} or AMX), in the
     * kernels fbgemm runs: without them fbgemm sums pairs in 16 bits, which full 8-bit activations
     * overflow (relative errors of 0.2-0.4 measured on fbgemm's AVX2 kernel). fbgemm runs the ISA
     * {@code FBGEMM_ENABLE_INSTRUCTIONS} names where it is set, VNNI only under {@code AVX512_E1*}.
     */
    public static boolean hasInt8DotProducts() {
        return hasInt8DotProducts(FLAGS, System.getenv("FBGEMM_ENABLE_INSTRUCTIONS"));
    }

    static boolean hasInt8DotProducts(Set<String> flags, String fbgemmIsa) {
        if (fbgemmIsa != null && !fbgemmIsa.isBlank() && !fbgemmIsa.trim().toUpperCase(Locale.ROOT).startsWith("AVX512_E1")) {
            return false;
        }
        return flags.contains("avx512_vnni") || flags.contains("avx_vnni") || flags.contains("amx_int8");
    }

    /** The flags of the first processor listed; none where the file is absent (not Linux). */
    static Set<String> read(Path cpuinfo) {
        try {
            return Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))).orElse(Set.of());
        } catch (IOException e) {
            return Set.of();
        }
    }
}
