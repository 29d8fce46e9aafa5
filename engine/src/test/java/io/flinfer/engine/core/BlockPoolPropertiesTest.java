package io.flinfer.engine.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random sequences of allocate / cache / free / cache-hit / evict keep the block pool's invariants:
 * reference counts never negative, a block is on the free list exactly when nobody holds it, the
 * cache map and the blocks agree, a hit returns the block that was cached under that hash, and
 * once everything is released every block is free.
 */
class BlockPoolPropertiesTest {

    @Property(tries = 300)
    void invariantsHoldUnderRandomOperations(
            @ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 999) Integer> ops,
            @ForAll @IntRange(min = 1, max = 24) int numBlocks) {
        BlockPool pool = new BlockPool(numBlocks, true);
        List<List<KvBlock>> holders = new ArrayList<>();
        for (int op : ops) {
            int kind = op % 4;
            int arg = op / 4;
            if (kind == 0) { // allocate all or nothing
                int n = 1 + arg % 4;
                if (n <= pool.numFreeBlocks()) {
                    holders.add(new ArrayList<>(pool.allocate(n)));
                }
            } else if (kind == 1 && !holders.isEmpty()) { // release a holder's blocks
                pool.release(holders.remove(arg % holders.size()));
            } else if (kind == 2 && !holders.isEmpty()) { // a full block joins the cache
                List<KvBlock> h = holders.get(arg % holders.size());
                KvBlock block = h.get(arg % h.size());
                pool.cache(block, hash(arg % 16));
            } else if (kind == 3) { // a later request looks its prefix up and takes the hit
                BlockHash wanted = hash(arg % 16);
                KvBlock hit = pool.lookup(wanted);
                if (hit != null) {
                    assertThat(hit.hash).isEqualTo(wanted);
                    pool.touch(List.of(hit));
                    holders.add(new ArrayList<>(List.of(hit)));
                }
            }
            pool.checkInvariants();
        }
        holders.forEach(pool::release);
        pool.checkInvariants();
        assertThat(pool.numFreeBlocks()).isEqualTo(numBlocks);
    }

    @Property(tries = 100)
    void evictionDropsTheLeastRecentlyFreedCachedBlockFirst(@ForAll @IntRange(min = 2, max = 16) int numBlocks) {
        BlockPool pool = new BlockPool(numBlocks, true);
        List<KvBlock> all = pool.allocate(numBlocks);
        for (int i = 0; i < numBlocks; i++) {
            pool.cache(all.get(i), hash(i));
        }
        pool.release(all); // freed in order 0..n-1: block 0 is the least recently freed
        pool.allocate(1);
        assertThat(pool.lookup(hash(0))).as("first freed, first evicted").isNull();
        assertThat(pool.lookup(hash(1))).isNotNull();
        pool.checkInvariants();
    }

    private static BlockHash hash(int i) {
        return BlockHash.of(BlockHash.ROOT, new int[] {i, i + 1}, null);
    }
}
