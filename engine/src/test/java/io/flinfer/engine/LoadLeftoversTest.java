package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The release after a load frees the native memory of the direct buffers the load let go of, which
 * the collector alone may never get to in a process that allocates little (a buffer that lived
 * through a collection sits in the old generation, which young collections leave alone), and has
 * freed it when it returns.
 */
class LoadLeftoversTest {
    private static final long BUFFER = 64L << 20;
    /** A weight's buffer while the model loads. */
    private static ByteBuffer loading;

    @Test
    void aDirectBufferLetGoOfIsFreedAfterTheRelease() {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        allocateAndLetGo();
        long held = direct.getMemoryUsed();
        assertThat(held).as("direct memory with the buffer let go of").isGreaterThanOrEqualTo(BUFFER);

        LoadLeftovers.release(); // also trims glibc's heap: throws nothing on glibc, is skipped elsewhere
        // Other tests' garbage in this JVM may go too: the release frees at least the buffer.
        assertThat(direct.getMemoryUsed()).as("direct memory after the release").isLessThanOrEqualTo(held - BUFFER);
    }

    private static void allocateAndLetGo() {
        loading = ByteBuffer.allocateDirect((int) BUFFER);
        System.gc(); // the load takes long enough for its buffers to reach the old generation
        System.gc();
        loading = null;
    }
}
