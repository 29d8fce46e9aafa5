package io.flinfer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** This process's resident memory, as Linux counts it (VmRSS); empty elsewhere. */
public final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {}

    public static OptionalLong bytes() {
        try {
            return Files.readAllLines(STATUS).stream().filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).findFirst();
        } catch (IOException | RuntimeException notLinux) {
            return OptionalLong.empty();
        }
    }

    /**
     * {@code resident memory: 621 MB at the end of the run, +416 MB over the process before the engine
     * loaded, 256 MB of it the KV cache}, or empty. The KV cache is named apart because its size is the
     * user's {@code --kv-cache-memory}, not the model's: what a dtype saves shows in the rest.
     */
    public static String report(OptionalLong before, long kvCacheBytes) {
        OptionalLong now = bytes();
        if (now.isEmpty() || before.isEmpty()) {
            return "";
        }
        return String.format("resident memory: %,d MB at the end of the run, +%,d MB over the process before the engine"
                + " loaded, %,d MB of it the KV cache", now.getAsLong() >> 20, (now.getAsLong() - before.getAsLong()) >> 20,
                kvCacheBytes >> 20);
    }
}
