package io.flinfer.engine.model;

/**
 * The input of one forward pass over a batch of sequences, flattened the way the paged KV cache
 * wants it. Sequence {@code i} contributes {@code queryLens[i]} consecutive tokens; after this pass
 * its first {@code contextLens[i]} tokens are in the cache, reached through {@code blockTables[i]}.
 *
 * @param tokenIds the scheduled tokens of all sequences, sequence after sequence
 * @param positions each token's position in its sequence
 * @param slotMapping each token's KV-cache slot ({@code block * blockSize + offset})
 * @param queryLens tokens scheduled per sequence
 * @param contextLens tokens in the cache per sequence once this pass has written its own
 * @param blockTables the KV blocks of each sequence, in order
 * @param logitRows indices into {@link #tokenIds} of the tokens whose next-token logits are wanted
 */
public record ForwardBatch(
        int[] tokenIds,
        int[] positions,
        int[] slotMapping,
        int[] queryLens,
        int[] contextLens,
        int[][] blockTables,
        int[] logitRows) {

    /** A batch that wants the logits after every sequence's last token. */
    public ForwardBatch(int[] tokenIds, int[] positions, int[] slotMapping, int[] queryLens, int[] contextLens,
            int[][] blockTables) {
        this(tokenIds, positions, slotMapping, queryLens, contextLens, blockTables, lastTokens(queryLens));
    }

    public int numSequences() {
        return queryLens.length;
    }

    public int numTokens() {
        return tokenIds.length;
    }

    /** Index in {@code tokenIds} of each sequence's last scheduled token. */
    private static int[] lastTokens(int[] queryLens) {
        int[] last = new int[queryLens.length];
        int end = 0;
        for (int i = 0; i < queryLens.length; i++) {
            end += queryLens[i];
            last[i] = end - 1;
        }
        return last;
    }

    /** The blocks sequence {@code i} reads: only those its context fills, never padded to another's. */
    static int blocksRead(int contextLen, int blockSize) {
        return (contextLen + blockSize - 1) / blockSize;
    }
}
