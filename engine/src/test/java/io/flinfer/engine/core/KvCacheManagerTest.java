package io.flinfer.engine.core;

import static io.flinfer.engine.core.SchedulerHarness.concat;
import static io.flinfer.engine.core.SchedulerHarness.tokens;
import static io.flinfer.engine.core.SchedulerHarness.tokensOf;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The KV-cache manager's rules, seen through a scheduler without a model: prefix hits, shared
 * blocks and their reference counts, eviction order, cache salts, all-or-nothing allocation.
 */
class KvCacheManagerTest {
    private static final int BLOCK = 4;
    /** Three full blocks shared by the prompts below. */
    private static final int[] SYSTEM = tokens(0, 3 * BLOCK);

    @Test
    void aRequestReusesTheFullBlocksOfAnEarlierPromptsPrefix() {
        SchedulerHarness h = SchedulerHarness.of(32, BLOCK, 8, 100);
        h.add(concat(SYSTEM, tokens(50, 2)));
        h.step();
        Sequence second = h.add(concat(SYSTEM, tokens(60, 3)));

        ScheduledBatch batch = h.step();

        assertThat(second.numCachedTokens()).isEqualTo(3 * BLOCK);
        assertThat(tokensOf(batch, second)).as("only the distinct tail is computed").isEqualTo(3);
        assertThat(h.kv.prefixHits()).isEqualTo(3 * BLOCK);
        assertThat(h.kv.prefixQueries()).isEqualTo(14 + 15);
    }

    @Test
    void aHitNeverCoversTheLastPromptToken() {
        SchedulerHarness h = SchedulerHarness.of(32, BLOCK, 8, 100);
        h.add(SYSTEM);
        h.step();
        Sequence same = h.add(SYSTEM);

        ScheduledBatch batch = h.step();

        assertThat(same.numCachedTokens()).isEqualTo(2 * BLOCK);
        assertThat(tokensOf(batch, same)).as("the last block is computed again for its logits").isEqualTo(BLOCK);
    }

    @Test
    void blocksCachedInAStepAreSharedWithARequestAdmittedLaterInThatStep() {
        SchedulerHarness h = SchedulerHarness.of(32, BLOCK, 8, 100);
        h.add(concat(SYSTEM, tokens(50, 1)));
        Sequence sameStep = h.add(concat(SYSTEM, tokens(60, 1)));

        h.step();

        assertThat(sameStep.numCachedTokens()).isEqualTo(3 * BLOCK);
        assertThat(h.pool.numFreeBlocks()).as("3 shared + 1 tail each").isEqualTo(32 - 5);
    }

    @Test
    void sharedBlocksStayInUseUntilTheirLastHolderFinishes() {
        SchedulerHarness h = SchedulerHarness.of(32, BLOCK, 8, 100);
        Sequence first = h.add(concat(SYSTEM, tokens(50, 1)));
        h.step();
        Sequence second = h.add(concat(SYSTEM, tokens(60, 1)));
        h.step();
        assertThat(h.pool.numFreeBlocks()).isEqualTo(32 - 5);

        h.scheduler.finish(first, FinishReason.STOP);
        assertThat(h.pool.numFreeBlocks()).as("only the first request's own tail block is free").isEqualTo(32 - 4);

        h.scheduler.finish(second, FinishReason.STOP);
        assertThat(h.pool.numFreeBlocks()).isEqualTo(32);
        assertThat(h.pool.numCachedBlocks()).as("freed blocks keep their contents").isGreaterThanOrEqualTo(3);
    }

    @Test
    void freedBlocksStayFindableAndTheTailOfAPrefixIsEvictedFirst() {
        // 5 blocks, all taken by a 17-token prompt (4 full, cached); freed, they stay cached until needed.
        SchedulerHarness h = SchedulerHarness.of(5, BLOCK, 8, 100);
        int[] prompt = concat(SYSTEM, tokens(50, BLOCK + 1));
        Sequence first = h.add(prompt);
        h.step();
        h.scheduler.finish(first, FinishReason.STOP);

        Sequence other = h.add(tokens(90, BLOCK + 1)); // 2 blocks: the partial last one and the 4th full one
        h.step();
        h.scheduler.finish(other, FinishReason.STOP);
        Sequence again = h.add(prompt);
        h.step();

        assertThat(again.numCachedTokens()).as("the prefix's head survived; its tail went first").isEqualTo(3 * BLOCK);
    }

    @Test
    void requestsWithDifferentCacheSaltsShareNothing() {
        SchedulerHarness h = SchedulerHarness.of(32, BLOCK, 8, 100);
        h.add(concat(SYSTEM, tokens(50, 1)), "tenant-a");
        h.step();
        Sequence otherTenant = h.add(concat(SYSTEM, tokens(50, 1)), "tenant-b");
        Sequence sameTenant = h.add(concat(SYSTEM, tokens(50, 1)), "tenant-a");

        h.step();

        assertThat(otherTenant.numCachedTokens()).isZero();
        assertThat(sameTenant.numCachedTokens()).isEqualTo(3 * BLOCK);
    }

    @Test
    void withPrefixCachingOffNothingIsReused() {
        SchedulerHarness h = new SchedulerHarness(32, BLOCK, new SchedulerConfig(8, 100, true), false);
        h.add(concat(SYSTEM, tokens(50, 1)));
        h.step();
        Sequence second = h.add(concat(SYSTEM, tokens(50, 1)));

        h.step();

        assertThat(second.numCachedTokens()).isZero();
        assertThat(h.pool.numCachedBlocks()).isZero();
    }

    @Test
    void aRequestThatDoesNotFitTakesNoBlocksAndWaits() {
        SchedulerHarness h = SchedulerHarness.of(4, BLOCK, 8, 100);
        Sequence holder = h.add(tokens(0, 2 * BLOCK + 1)); // 3 blocks
        h.step();
        Sequence tooBig = h.add(tokens(50, 2 * BLOCK)); // 2 blocks, 1 free

        ScheduledBatch batch = h.step();

        assertThat(batch.sequences()).containsExactly(holder);
        assertThat(tooBig.status()).isEqualTo(Sequence.Status.WAITING);
        assertThat(h.pool.numFreeBlocks()).as("all or nothing: no partial allocation").isEqualTo(1);
        assertThat(h.kv.usage()).isEqualTo(0.75);
    }
}
