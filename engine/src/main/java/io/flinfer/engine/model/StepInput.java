package io.flinfer.engine.model;

/**
 * A {@link ForwardBatch} as the model program takes it: one int64 array ({@code data}) that goes to
 * the device as one tensor, and a few ints per sequence that stay on the host, so the program reads
 * lengths without a device-to-host copy.
 *
 * @param data token ids, positions and KV slots of every token, the rows whose logits to return,
 *     then each sequence's block table cut to the blocks its context fills
 * @param sequences four ints per sequence: first token row, query length, context length, offset
 *     of its block table in {@code data}
 * @param kvBlocksRead the blocks attention reads per layer: the sum over sequences of the blocks
 *     each fills, so no sequence's context is padded to another's
 */
record StepInput(long[] data, long[] sequences, int numTokens, int numLogits, int kvBlocksRead) {

    static StepInput of(ForwardBatch batch, int blockSize) {
        int t = batch.numTokens();
        int r = batch.logitRows().length;
        int n = batch.numSequences();
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            blocks += ForwardBatch.blocksRead(batch.contextLens()[i], blockSize);
        }
        long[] data = new long[3 * t + r + blocks];
        long[] sequences = new long[4 * n];
        for (int i = 0; i < t; i++) {
            data[i] = batch.tokenIds()[i];
            data[t + i] = batch.positions()[i];
            data[2 * t + i] = batch.slotMapping()[i];
        }
        for (int i = 0; i < r; i++) {
            data[3 * t + i] = batch.logitRows()[i];
        }
        int row = 0;
        int offset = 3 * t + r;
        for (int i = 0; i < n; i++) {
            int read = ForwardBatch.blocksRead(batch.contextLens()[i], blockSize);
            sequences[4 * i] = row;
            sequences[4 * i + 1] = batch.queryLens()[i];
            sequences[4 * i + 2] = batch.contextLens()[i];
            sequences[4 * i + 3] = offset;
            for (int b = 0; b < read; b++) {
                data[offset++] = batch.blockTables()[i][b];
            }
            row += batch.queryLens()[i];
        }
        return new StepInput(data, sequences, t, r, blocks);
    }
}
