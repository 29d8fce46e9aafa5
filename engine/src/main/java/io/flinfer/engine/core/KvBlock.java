package io.flinfer.engine.core;

/** One block of KV-cache slots: who uses it, and which prefix it caches once full. */
final class KvBlock {
    final int id;
    int refCount;
    /** Set once the block is full and registered in the prefix cache. */
    BlockHash hash;
    // Links of the free list; a block is on it exactly when refCount is 0.
    KvBlock prev;
    KvBlock next;

    KvBlock(int id) {
        this.id = id;
    }
}
