package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Attention reads each sequence's context through the block tables the step hands the program, and
 * nothing else: one long and three short contexts in one batch read the long one's blocks once and
 * the short ones' own blocks, never a copy of every context padded to the longest. Decoding
 * sequences that fill the same number of blocks attend together. A sequence whose blocks lie in a row
 * in the pool says where they start, so the program reads its context in place.
 */
class StepInputTest {
    private static final int BLOCK = 4;

    @Test
    void eachSequenceReadsOnlyTheBlocksItsContextFills() {
        // A 40-token context (10 blocks, of a 16-block table) decoding next to 1-, 3- and 5-token ones.
        StepInput input = StepInput.builder(BLOCK).add(new int[] {5}, 39, range(100, 16)).add(new int[] {6}, 0,
                new int[] {7, 8}).add(new int[] {7}, 2, new int[] {9, 10}).add(new int[] {8}, 4, new int[] {11, 12}).build();

        assertThat(Arrays.copyOfRange(input.data(), 0, 16)).as("tokens, positions, slots, logit rows").containsExactly(
                5, 6, 7, 8, 39, 0, 2, 4, 109 * 4 + 3, 7 * 4, 9 * 4 + 2, 12 * 4, 0, 1, 2, 3);
        int tail = 16;
        assertThat(input.chunks()).as("row, query length, context, table, blocks, first block in a row per chunk")
                .containsExactly(
                        0, 1, 40, tail, 10, 100, // alone: no other context fills 10 blocks; blocks 100-109 in a row
                        3, 1, 5, tail + 16, 2, 11);
        assertThat(input.groups()).as("n, tables, blocks, rows, contexts per group").containsExactly(
                2, tail + 10, 1, tail + 12, tail + 14); // the 1- and 3-token contexts fill one block each
        assertThat(Arrays.copyOfRange(input.data(), tail, input.data().length)).containsExactly(
                100, 101, 102, 103, 104, 105, 106, 107, 108, 109, // the long context's own 10 blocks, not 16
                7, 9, 1, 2, 1, 3, // the group's blocks, its token rows, its context lengths
                11, 12);
    }

    @Test
    void aPromptChunkAfterCachedTokensAndTheLogitsAsked() {
        StepInput input = StepInput.builder(BLOCK).add(new int[] {1, 2, 3}, 5, new int[] {4, 6}).add(new int[] {9}, 0,
                new int[] {8}).build(new int[] {1});
        assertThat(input.numTokens()).isEqualTo(4);
        assertThat(input.numLogits()).isEqualTo(1);
        assertThat(Arrays.copyOfRange(input.data(), 0, 13)).containsExactly(
                1, 2, 3, 9, 5, 6, 7, 0, 6 * 4 + 1, 6 * 4 + 2, 6 * 4 + 3, 8 * 4, 3);
        assertThat(input.chunks()).as("blocks 4 and 6 are not in a row; a single block is")
                .containsExactly(0, 3, 8, 13, 2, -1, 3, 1, 1, 15, 1, 8);
        assertThat(input.groups()).isEmpty();
    }

    private static int[] range(int from, int n) {
        int[] out = new int[n];
        Arrays.setAll(out, i -> from + i);
        return out;
    }
}
