package io.flinfer.engine;

import com.sun.jna.NativeLibrary;

/**
 * Gives back to the operating system the memory loading a model left behind, once the engine is up.
 * Two kinds outlive a load: the direct buffers the checkpoint's tensors were read into (the weights
 * packed for a fast path discard theirs, but a direct buffer's native memory goes only when the
 * collector finds the buffer, which in a process that allocates little may be never), and the
 * free chunks glibc's malloc keeps after the originals of packed weights were freed between
 * allocations still in use (its arenas return memory only from their top). Best effort: the
 * buffers' cleaners run on the JVM's reference thread after the collection, some after the trim.
 * Measured on a BF16 llama-110m with a 64 MiB KV cache, the process above its size before the
 * load: float32 +1,104 MB and bfloat16 +744 MB until a collection happened to run; with this,
 * seconds after the load, +694 and +416 MB.
 */
final class LoadLeftovers {
    private LoadLeftovers() {}

    static void release() {
        System.gc(); // collects the discarded direct buffers; their cleaner frees the native memory
        try {
            NativeLibrary.getInstance("c").getFunction("malloc_trim").invokeInt(new Object[] {0L});
        } catch (UnsatisfiedLinkError notGlibc) {
            // Another C library (musl, macOS): it keeps what it keeps.
        }
    }
}
