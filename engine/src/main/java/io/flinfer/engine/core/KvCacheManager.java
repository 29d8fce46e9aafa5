package io.flinfer.engine.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Gives sequences KV blocks: finds the cached prefix of a new sequence, allocates all-or-nothing
 * the blocks a step needs, registers blocks in the prefix cache once they are full, and frees a
 * sequence's blocks so that its tail is evicted first. In a model whose every layer attends
 * through a sliding window, it frees a sequence's blocks as they fall out of the window, as vLLM's
 * sliding-window manager does.
 */
public final class KvCacheManager {
    private final BlockPool pool;
    private final int blockSize;
    /** Positions each query sees, its own included, where every layer slides; 0: all. */
    private final int slidingWindow;
    private long prefixQueries;
    private long prefixHits;

    public KvCacheManager(BlockPool pool, int blockSize) {
        this(pool, blockSize, 0);
    }

    /**
     * @param slidingWindow the window of a model whose every layer slides (0: none, or a model with
     *     any global layer, which reads every block of the context)
     */
    public KvCacheManager(BlockPool pool, int blockSize, int slidingWindow) {
        this.pool = pool;
        this.blockSize = blockSize;
        this.slidingWindow = slidingWindow;
    }

    public BlockPool pool() { return pool; }
    public int blockSize() { return blockSize; }
    /** Prompt tokens looked up in the prefix cache. */
    public long prefixQueries() { return prefixQueries; }
    /** Prompt tokens found in the prefix cache. */
    public long prefixHits() { return prefixHits; }

    public double usage() {
        return 1.0 - (double) pool.numFreeBlocks() / pool.numBlocks();
    }

    /**
     * The longest run of cached full blocks at the start of {@code seq}'s tokens. It never covers
     * the last token: that one must be computed to get logits to sample from. A preempted or
     * resumed sequence looks up its output too, so it recomputes only what was evicted.
     */
    List<KvBlock> cachedPrefix(Sequence seq) {
        List<KvBlock> hits = new ArrayList<>();
        if (!pool.cachingEnabled()) {
            return hits;
        }
        List<BlockHash> hashes = hashes(seq, seq.numTokens() - 1);
        for (BlockHash hash : hashes) {
            KvBlock block = pool.lookup(hash);
            if (block == null) {
                break;
            }
            hits.add(block);
        }
        return hits;
    }

    /** The hashes of the full blocks among {@code seq}'s first {@code numTokens} tokens. */
    private List<BlockHash> hashes(Sequence seq, int numTokens) {
        List<BlockHash> hashes = seq.blockHashes;
        int full = numTokens / blockSize;
        while (hashes.size() < full) {
            int b = hashes.size();
            long parent = b == 0 ? BlockHash.ROOT : hashes.get(b - 1).value();
            hashes.add(BlockHash.of(parent, seq.tokens(b * blockSize, (b + 1) * blockSize), seq.blockSalt()));
        }
        return hashes.subList(0, full);
    }

    void recordLookup(Sequence seq, int hitTokens) {
        prefixQueries += seq.numPromptTokens();
        prefixHits += hitTokens;
    }

    /**
     * Gives {@code seq} the blocks for {@code numNewTokens} more tokens, after adopting the cached
     * prefix {@code hits} (for a sequence that has none yet), and registers the blocks those tokens
     * fill in the prefix cache at once, as vLLM's {@code allocate_slots} does: a request admitted
     * later in the same step already reuses them, since every layer writes all new keys and values
     * before any attention reads them. Allocates nothing when it cannot allocate everything.
     */
    boolean allocate(Sequence seq, int numNewTokens, List<KvBlock> hits) {
        releaseOutsideWindow(seq);
        int totalTokens = seq.numComputedTokens + hits.size() * blockSize + numNewTokens;
        int needed = ceilDiv(totalTokens, blockSize) - seq.blocks.size() - hits.size();
        long hitsOnFreeList = hits.stream().filter(b -> b.refCount == 0).count();
        if (needed > pool.numFreeBlocks() - hitsOnFreeList) {
            return false;
        }
        pool.touch(hits);
        seq.blocks.addAll(hits);
        if (needed > 0) {
            seq.blocks.addAll(pool.allocate(needed));
        }
        cacheFullBlocks(seq, totalTokens);
        return true;
    }

    /**
     * With every layer sliding, releases {@code seq}'s blocks whose positions all lie before the
     * window of its next token: the next query, at position numComputedTokens, sees keys from
     * numComputedTokens - window + 1 on, and later ones see less. Their entries in the sequence's
     * list become null (a table keeps indexing positions); the blocks stay in the prefix cache
     * until evicted, like any freed block.
     */
    private void releaseOutsideWindow(Sequence seq) {
        if (slidingWindow == 0) {
            return;
        }
        int dead = Math.min(Math.max(0, seq.numComputedTokens - slidingWindow + 1) / blockSize, seq.blocks.size());
        List<KvBlock> released = new ArrayList<>();
        for (int b = seq.numReleasedBlocks; b < dead; b++) {
            released.add(seq.blocks.set(b, null));
        }
        pool.release(released);
        seq.numReleasedBlocks = Math.max(seq.numReleasedBlocks, dead);
    }

    /** Registers the full blocks among {@code seq}'s first {@code numTokens} tokens. */
    private void cacheFullBlocks(Sequence seq, int numTokens) {
        if (!pool.cachingEnabled()) {
            return;
        }
        List<BlockHash> hashes = hashes(seq, Math.min(numTokens, seq.blocks.size() * blockSize));
        for (int b = Math.max(seq.numRegisteredBlocks, seq.numReleasedBlocks); b < hashes.size(); b++) {
            pool.cache(seq.blocks.get(b), hashes.get(b));
        }
        seq.numRegisteredBlocks = Math.max(seq.numRegisteredBlocks, hashes.size());
    }

    /** Releases {@code seq}'s blocks, last block first so the tail of a prefix is evicted first. */
    void free(Sequence seq) {
        List<KvBlock> reversed = new ArrayList<>(seq.blocks.subList(seq.numReleasedBlocks, seq.blocks.size()));
        Collections.reverse(reversed);
        pool.release(reversed);
        seq.blocks.clear();
        seq.numRegisteredBlocks = 0;
        seq.numReleasedBlocks = 0;
    }

    /**
     * {@code seq}'s block ids by position. A block released out of the window is read as the
     * sequence's first held block: attention masks every key out of the window, so the entry only
     * has to name a block whose values are finite.
     */
    public int[] blockTable(Sequence seq) {
        int[] table = new int[seq.blocks.size()];
        int held = seq.numReleasedBlocks < table.length ? seq.blocks.get(seq.numReleasedBlocks).id : 0;
        for (int b = 0; b < table.length; b++) {
            table[b] = b < seq.numReleasedBlocks ? held : seq.blocks.get(b).id;
        }
        return table;
    }

    /** Blocks {@code seq} holds now (those released out of the window not counted). */
    public int numHeldBlocks(Sequence seq) {
        return seq.blocks.size() - seq.numReleasedBlocks;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
