package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ResidentMemoryTest {
    private static final int PAGE = 4096;

    @Test
    void countsMemoryTheProcessTouches() {
        OptionalLong before = ResidentMemory.bytes();
        assertThat(before).as("Linux's VmRSS").isPresent();
        ByteBuffer touched = ByteBuffer.allocateDirect(128 << 20);
        for (int i = 0; i < touched.capacity(); i += PAGE) {
            touched.put(i, (byte) 1);
        }
        assertThat(ResidentMemory.bytes().getAsLong() - before.getAsLong()).isGreaterThanOrEqualTo(120L << 20);
        assertThat(ResidentMemory.report(before)).matches("resident memory: [\\d,]+ MB at the end of the run, \\+1[23]\\d MB over .*");
        assertThat(ResidentMemory.report(OptionalLong.empty())).isEmpty();
    }
}
