package io.flinfer.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What /proc/cpuinfo says about the CPU that matters to the engine's kernels: the model and family
 * (oneDNN's blocking depends on them) and the vector instruction sets its paths can pick.
 *
 * @param flags the flags of {@link #FLAGS_THAT_MATTER} this CPU has
 */
public record CpuInfo(String model, String family, List<String> flags) {
    /** Instruction sets oneDNN and ATen pick kernels by, widest last. */
    public static final List<String> FLAGS_THAT_MATTER = List.of("avx2", "fma", "avx_vnni", "avx512f", "avx512bw",
            "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16");

    public static CpuInfo read() {
        List<String> lines = lines();
        Set<String> all = Set.of(field(lines, "flags").orElse("").split("\\s+"));
        return new CpuInfo(field(lines, "model name").orElse(System.getProperty("os.arch")),
                field(lines, "cpu family").orElse("?"), FLAGS_THAT_MATTER.stream().filter(all::contains).toList());
    }

    /** The flags that matter this CPU lacks. */
    public List<String> missing() {
        return FLAGS_THAT_MATTER.stream().filter(f -> !flags.contains(f)).toList();
    }

    private static Optional<String> field(List<String> lines, String name) {
        return lines.stream().filter(l -> l.startsWith(name) && l.substring(name.length()).trim().startsWith(":"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim());
    }

    private static List<String> lines() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return List.of(); // not Linux: the JVM's os.arch stands in for the model
        }
    }

    @Override
    public String toString() {
        return model + " (family " + family + ")";
    }
}
