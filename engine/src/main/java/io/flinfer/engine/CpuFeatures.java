package io.flinfer.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** What this CPU computes natively, from the flags Linux lists in /proc/cpuinfo. */
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
