package io.flinfer.engine.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fixed number of KV blocks with reference counts, a free list that is also the LRU of cached
 * blocks, and the prefix-cache map from block hash to block. Freed blocks keep their cached contents
 * until a new allocation evicts them.
 */
public final class BlockPool {
    private final KvBlock[] blocks;
    private final FreeBlockQueue free = new FreeBlockQueue();
    private final Map<BlockHash, KvBlock> cached = new HashMap<>();
    private final boolean cachingEnabled;

    public BlockPool(int numBlocks, boolean cachingEnabled) {
        this.cachingEnabled = cachingEnabled;
        blocks = new KvBlock[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            blocks[i] = new KvBlock(i);
            free.append(blocks[i]);
        }
    }

    public int numBlocks() {
        return blocks.length;
    }

    /** Blocks that an allocation can take: unused ones and cached ones nobody references. */
    public int numFreeBlocks() {
        return free.size();
    }

    public int numCachedBlocks() {
        return cached.size();
    }

    public boolean cachingEnabled() {
        return cachingEnabled;
    }

    /** Takes {@code n} blocks from the front of the free list, evicting their cached prefixes. */
    List<KvBlock> allocate(int n) {
        if (n > free.size()) {
            throw new IllegalStateException("asked for " + n + " KV blocks, " + free.size() + " free");
        }
        List<KvBlock> taken = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            KvBlock block = free.popFront();
            if (block.hash != null) {
                cached.remove(block.hash);
                block.hash = null;
            }
            block.refCount = 1;
            taken.add(block);
        }
        return taken;
    }

    /** The cached block for {@code hash}, or null. */
    KvBlock lookup(BlockHash hash) {
        return cachingEnabled ? cached.get(hash) : null;
    }

    /** Adds a reference to cache hits, taking them off the free list if nobody held them. */
    void touch(List<KvBlock> hits) {
        for (KvBlock block : hits) {
            if (block.refCount++ == 0) {
                free.remove(block);
            }
        }
    }

    /** Drops one reference from each block; those left unreferenced join the back of the free list. */
    void release(List<KvBlock> blocksInEvictionOrder) {
        for (KvBlock block : blocksInEvictionOrder) {
            if (block.refCount <= 0) {
                throw new IllegalStateException("KV block " + block.id + " released more often than taken");
            }
            if (--block.refCount == 0) {
                free.append(block);
            }
        }
    }

    /** Registers a full block under {@code hash} so later requests with the same prefix reuse it. */
    void cache(KvBlock block, BlockHash hash) {
        if (!cachingEnabled || block.hash != null) {
            return;
        }
        // Another block may already hold this prefix (two requests computed it at once): keep the first.
        if (cached.putIfAbsent(hash, block) == null) {
            block.hash = hash;
        }
    }

    /** Checks the pool's invariants; for tests. */
    public void checkInvariants() {
        int unreferenced = 0;
        for (KvBlock b : blocks) {
            if (b.refCount < 0) {
                throw new IllegalStateException("block " + b.id + " has refCount " + b.refCount);
            }
            boolean listed = b.prev != null;
            if (listed != (b.refCount == 0)) {
                throw new IllegalStateException("block " + b.id + " refCount " + b.refCount + " but on free list: " + listed);
            }
            if (b.refCount == 0) {
                unreferenced++;
            }
            if (b.hash != null && cached.get(b.hash) != b) {
                throw new IllegalStateException("block " + b.id + " has a hash the cache does not map to it");
            }
        }
        if (unreferenced != free.size()) {
            throw new IllegalStateException("free list size " + free.size() + " but " + unreferenced + " unreferenced blocks");
        }
        for (Map.Entry<BlockHash, KvBlock> e : cached.entrySet()) {
            if (e.getValue().hash != e.getKey()) {
                throw new IllegalStateException("cache maps " + e.getKey() + " to block " + e.getValue().id + " with another hash");
            }
        }
    }
}
