package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Attention reads each sequence's context through the block tables the step hands the program, and
 * nothing else: one long and three short contexts in one batch read the long one's blocks once and
 * the short ones' own blocks, never a copy of every context padded to the longest. Decoding
 * sequences that fill the same number of blocks attend together.
 */
class StepInputTest {
    private static final int BLOCK = 4;

    @Test
    void eachSequenceReadsOnlyTheBlocksItsContextFills() {
        // A 40-token context (10 blocks, of a 16-block table) decoding next to 1-, 3- and 5-token ones.
        int[][] tables = {range(100, 16), {7, 8}, {9, 10}, {11, 12}};
        ForwardBatch batch = new ForwardBatch(new int[] {5, 6, 7, 8}, new int[] {39, 0, 2, 4}, new int[] {1, 2, 3, 4},
                new int[] {1, 1, 1, 1}, new int[] {40, 1, 3, 5}, tables);

        StepInput input = StepInput.of(batch, BLOCK);

        int padded = 4 * 10;
        assertThat(input.kvBlocksRead()).as("blocks read per layer, not %d padded", padded).isEqualTo(10 + 1 + 1 + 2);
        int tail = 3 * 4 + 4;
        assertThat(input.units()).as("n, row, query length, tables, blocks, context per unit").containsExactly(
                1, 0, 1, tail, 10, 40,
                2, tail + 12, 1, tail + 10, 1, tail + 14, // the 1- and 3-token contexts fill one block each
                1, 3, 1, tail + 16, 2, 5);
        assertThat(Arrays.copyOfRange(input.data(), tail, input.data().length)).containsExactly(
                100, 101, 102, 103, 104, 105, 106, 107, 108, 109, // the long context's own 10 blocks
                7, 9, 1, 2, 1, 3, // the group's blocks, its token rows, its context lengths
                11, 12);
    }

    private static int[] range(int from, int n) {
        int[] out = new int[n];
        Arrays.setAll(out, i -> from + i);
        return out;
    }
}
