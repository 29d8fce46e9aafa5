package io.flinfer.engine.core;

import static io.flinfer.engine.core.SchedulerHarness.tokens;
import static io.flinfer.engine.core.SchedulerHarness.tokensOf;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scheduler's rule, stepped without a model: admission, chunking, decode, preemption, finishing. */
class SchedulerTest {
    private static final int BLOCK = 4;

    @Test
    void admitsInArrivalOrderUpToMaxNumSeqs() {
        SchedulerHarness h = SchedulerHarness.of(64, BLOCK, 2, 1000);
        Sequence a = h.add(tokens(0, 5));
        Sequence b = h.add(tokens(10, 5));
        Sequence c = h.add(tokens(20, 5));

        ScheduledBatch first = h.step();

        assertThat(first.sequences()).containsExactly(a, b);
        assertThat(first.numNewTokens()).containsExactly(5, 5);
        assertThat(c.status()).isEqualTo(Sequence.Status.WAITING);
        assertThat(h.scheduler.numRunning()).isEqualTo(2);
        assertThat(h.scheduler.numWaiting()).isEqualTo(1);
    }

    @Test
    void aLongPromptIsComputedInChunksWithinTheTokenBudget() {
        SchedulerHarness h = SchedulerHarness.of(64, BLOCK, 8, 4);
        Sequence seq = h.add(tokens(0, 10));

        assertThat(h.step().numNewTokens()).containsExactly(4);
        assertThat(seq.numOutputTokens()).as("no token is sampled before the prompt is computed").isZero();
        assertThat(h.step().numNewTokens()).containsExactly(4);
        assertThat(h.step().numNewTokens()).containsExactly(2);
        assertThat(seq.numComputedTokens()).isEqualTo(10);
        assertThat(seq.outputIds()).containsExactly(SchedulerHarness.SAMPLED);
    }

    @Test
    void runningRequestsDecodeOneTokenPerStepBeforeWaitingOnesGetTheRestOfTheBudget() {
        SchedulerHarness h = SchedulerHarness.of(64, BLOCK, 8, 6);
        Sequence running = h.add(tokens(0, 3));
        h.step();
        Sequence waiting = h.add(tokens(10, 9));

        ScheduledBatch batch = h.step();

        assertThat(batch.sequences()).containsExactly(running, waiting);
        assertThat(tokensOf(batch, running)).as("decode: the one sampled token").isEqualTo(1);
        assertThat(tokensOf(batch, waiting)).as("the rest of the budget, a chunk of the prompt").isEqualTo(5);
        assertThat(batch.samplingRows()).as("only the decoding request catches up and samples").containsExactly(0);
        assertThat(batch.blockTables()[0]).as("running: 4 tokens in one block of 4").hasSize(1);
        assertThat(batch.blockTables()[1]).as("waiting: its first 5 tokens need two blocks").hasSize(2);
    }

    @Test
    void withoutChunkedPrefillAPromptWaitsForABudgetItFitsWhole() {
        SchedulerHarness h = new SchedulerHarness(64, BLOCK, new SchedulerConfig(8, 10, false), true);
        Sequence a = h.add(tokens(0, 6));
        Sequence b = h.add(tokens(10, 6));

        ScheduledBatch first = h.step();
        assertThat(first.sequences()).containsExactly(a);
        assertThat(b.status()).isEqualTo(Sequence.Status.WAITING);

        ScheduledBatch second = h.step();
        assertThat(tokensOf(second, b)).isEqualTo(6);
    }

    @Test
    void whenBlocksRunOutTheLatestAdmittedRequestIsPreemptedAndRecomputedLater() {
        // 4 blocks of 4 slots: two 7-token prompts take 2 blocks each; the first decode needs a third block.
        SchedulerHarness h = SchedulerHarness.of(4, BLOCK, 8, 100);
        Sequence older = h.add(tokens(0, 7));
        Sequence newer = h.add(tokens(10, 7));
        h.step();
        h.step(); // both decode into their 8th slot: still 2 blocks each
        Sequence late = h.add(tokens(20, 3));

        ScheduledBatch batch = h.step(); // the 9th token needs a new block each: only one can have it

        assertThat(batch.numPreempted()).isEqualTo(1);
        assertThat(batch.sequences()).containsExactly(older);
        assertThat(newer.status()).isEqualTo(Sequence.Status.WAITING);
        assertThat(newer.numComputedTokens()).as("recomputed from scratch").isZero();
        assertThat(late.status()).as("nothing is admitted in a step that preempted").isEqualTo(Sequence.Status.WAITING);
        assertThat(h.scheduler.numPreemptions()).isEqualTo(1);

        h.scheduler.finish(older, FinishReason.STOP);
        ScheduledBatch resumed = h.step();
        assertThat(resumed.sequences()).as("the preempted request goes first, ahead of later arrivals").startsWith(newer);
        assertThat(newer.numOutputTokens()).as("its output survives preemption").isGreaterThanOrEqualTo(2);
    }

    @Test
    void finishingARequestFreesItsBlocks() {
        SchedulerHarness h = SchedulerHarness.of(8, BLOCK, 8, 100);
        Sequence seq = h.add(tokens(0, 9));
        h.step();
        assertThat(h.pool.numFreeBlocks()).isEqualTo(8 - 3);

        h.scheduler.finish(seq, FinishReason.STOP);

        assertThat(seq.isFinished()).isTrue();
        assertThat(seq.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(h.pool.numFreeBlocks()).isEqualTo(8);
        assertThat(h.scheduler.hasUnfinished()).isFalse();
    }

    @Test
    void aRequestFinishedWhileWaitingNeverRuns() {
        SchedulerHarness h = SchedulerHarness.of(8, BLOCK, 1, 100);
        h.add(tokens(0, 3));
        Sequence queued = h.add(tokens(10, 3));
        h.scheduler.finish(queued, FinishReason.ABORT);

        h.step();
        h.step();

        assertThat(queued.numComputedTokens()).isZero();
        assertThat(h.scheduler.numWaiting()).isZero();
    }
}
