package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ResidentMemoryTest {
    private static final int PAGE = 4096;
    private static final int BUFFER = 128 << 20;

    /**
     * Touching 128 MiB grows the resident size by about that much. The whole process is measured, and
     * in a test JVM other threads may free memory meanwhile (cleaners of an earlier test's tensors: a
     * full verify once saw +94 MB), so up to three fresh buffers are tried; all stay reachable.
     */
    @Test
    void countsMemoryTheProcessTouches() {
        List<ByteBuffer> kept = new ArrayList<>();
        long bestGrowth = 0;
        OptionalLong before = OptionalLong.empty();
        for (int attempt = 0; attempt < 3 && bestGrowth < 120L << 20; attempt++) {
            before = ResidentMemory.bytes();
            assertThat(before).as("Linux's VmRSS").isPresent();
            kept.add(touched());
            bestGrowth = Math.max(bestGrowth, ResidentMemory.bytes().getAsLong() - before.getAsLong());
        }
        assertThat(bestGrowth).isGreaterThanOrEqualTo(120L << 20);
        assertThat(ResidentMemory.report(before, 256L << 20))
                .matches("resident memory: [\\d,]+ MB at the end of the run, \\+-?\\d[\\d,]* MB over .*, 256 MB of it the KV cache");
        assertThat(ResidentMemory.report(OptionalLong.empty(), 0)).isEmpty();
        Reference.reachabilityFence(kept);
    }

    private static ByteBuffer touched() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        for (int i = 0; i < buffer.capacity(); i += PAGE) {
            buffer.put(i, (byte) 1);
        }
        return buffer;
    }
}
