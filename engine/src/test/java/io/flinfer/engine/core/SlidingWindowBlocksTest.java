package io.flinfer.engine.core;

import static io.flinfer.engine.core.SchedulerHarness.concat;
import static io.flinfer.engine.core.SchedulerHarness.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * With every layer sliding, a sequence's blocks are released as they fall out of the window of its
 * next token, stepped without a model: it holds only the blocks its window reaches, its table still
 * indexes positions, and released blocks stay findable in the prefix cache.
 */
class SlidingWindowBlocksTest {
    private static final int BLOCK = 4;
    private static final int WINDOW = 6;

    private static SchedulerHarness harness(int numBlocks, int window) {
        return new SchedulerHarness(numBlocks, BLOCK, new SchedulerConfig(8, 100, true), true, window);
    }

    @Test
    void aDecodingSequenceHoldsOnlyTheBlocksItsWindowReaches() {
        SchedulerHarness h = harness(32, WINDOW);
        Sequence seq = h.add(tokens(0, 10));
        h.step();
        // The next query, at position 10, sees keys 5..10: block 0 (positions 0-3) is out.
        ScheduledBatch batch = h.step();

        assertThat(h.kv.numHeldBlocks(seq)).isEqualTo(2);
        assertThat(h.pool.numFreeBlocks()).isEqualTo(32 - 2);
        int[] table = batch.blockTables()[0];
        assertThat(table).as("the table still indexes positions 0-10").hasSize(3);
        assertThat(table[0]).as("a released entry names a held block").isEqualTo(table[1]);

        h.runUntilOutput(seq, 30);
        // 39 tokens computed: the next query, at 39, sees 34..39, blocks 8 and 9 of its 10.
        assertThat(seq.numComputedTokens()).isEqualTo(39);
        h.step();
        assertThat(h.kv.numHeldBlocks(seq)).isEqualTo(2);
        assertThat(h.pool.numFreeBlocks()).isEqualTo(32 - 2);
    }

    @Test
    void aSequenceLongerThanThePoolRunsWhenEveryLayerSlides() {
        // 3 blocks of 4 slots hold 12 positions; the window keeps at most 3 blocks in use.
        SchedulerHarness h = harness(3, WINDOW);
        Sequence seq = h.add(tokens(0, 5));

        h.runUntilOutput(seq, 40);

        assertThat(h.scheduler.numPreemptions()).isZero();
        assertThat(seq.numTokens()).isEqualTo(45);
    }

    @Test
    void withoutAWindowTheSameSequenceOutgrowsThePool() {
        SchedulerHarness h = harness(3, 0);
        Sequence seq = h.add(tokens(0, 5));
        IntStream.range(0, 12).forEach(i -> h.step());

        assertThat(seq.numTokens()).as("12 positions, then no block is left").isEqualTo(5 + 8);
        assertThat(h.scheduler.numPreemptions()).isPositive();
    }

    @Test
    void releasedBlocksStayInThePrefixCacheAndASharedOneUntilItsLastHolderLetsGo() {
        SchedulerHarness h = harness(32, WINDOW);
        int[] system = tokens(0, 3 * BLOCK);
        Sequence first = h.add(concat(system, tokens(50, 2)));
        h.step();
        Sequence second = h.add(concat(system, tokens(60, 3)));
        h.step();
        assertThat(second.numCachedTokens()).isEqualTo(3 * BLOCK);

        h.runUntilOutput(first, 8);
        // Both have moved past block 0 of the shared prefix: its two holders released it, and it stays cached.
        assertThat(h.kv.numHeldBlocks(first)).isLessThan(first.numComputedTokens() / BLOCK);
        Sequence third = h.add(concat(system, tokens(70, 1)));
        h.step();
        assertThat(third.numCachedTokens()).as("the released prefix blocks are found again").isEqualTo(3 * BLOCK);

        h.scheduler.finish(first, FinishReason.STOP);
        h.scheduler.finish(second, FinishReason.STOP);
        h.scheduler.finish(third, FinishReason.STOP);
        h.pool.checkInvariants();
        assertThat(h.pool.numFreeBlocks()).as("every block released exactly once").isEqualTo(32);
    }
}
