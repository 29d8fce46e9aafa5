package io.flinfer.engine;

import com.sun.jna.NativeLibrary;
import java.lang.ref.Cleaner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Gives back to the operating system the memory loading a model left behind, once the engine is up.
 * Two kinds outlive a load: the direct buffers the checkpoint's tensors were read into (the weights
 * packed for a fast path discard theirs, but a direct buffer's native memory goes only when the
 * collector finds the buffer, which in a process that allocates little may be never), and the free
 * chunks glibc's malloc keeps after the originals of packed weights were freed between allocations
 * still in use (its arenas return memory only from their top). Measured on a BF16 llama-110m with a
 * 64 MiB KV cache, the process above its size before the load: float32 +1,104 MB and bfloat16 +744 MB
 * until a collection happened to run; with this, right after the load, +638 and +400 MB.
 */
final class LoadLeftovers {
    private static final Cleaner SENTINELS = Cleaner.create();
    /** Longer than a full collection of a large heap takes; reached only where explicit collections are off. */
    private static final long COLLECTION_WAIT_SECONDS = 5;

    private LoadLeftovers() {}

    static void release() {
        // The JVM frees a collected direct buffer on its reference thread, which works through everything
        // one collection found before it takes up what the next one finds: when a second collection's
        // sentinel is cleaned, every buffer the first collection found is freed.
        if (collect()) {
            collect();
        }
        try {
            NativeLibrary.getInstance("c").getFunction("malloc_trim").invokeInt(new Object[] {0L});
        } catch (UnsatisfiedLinkError notGlibc) {
            // Another C library (musl, macOS): it keeps what it keeps.
        }
    }

    /**
     * One collection, waited for until the reference thread has cleaned an object it found unreachable;
     * false if it did not in time (-XX:+DisableExplicitGC makes System.gc() do nothing).
     */
    private static boolean collect() {
        CountDownLatch cleaned = new CountDownLatch(1);
        SENTINELS.register(new Object(), cleaned::countDown);
        System.gc();
        try {
            return cleaned.await(COLLECTION_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
