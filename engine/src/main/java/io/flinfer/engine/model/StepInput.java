package io.flinfer.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * A {@link ForwardBatch} as the model program takes it: one int64 array ({@code data}) that goes to
 * the device as one tensor, and six ints per attention unit that stay on the host, so the program
 * reads lengths without a device-to-host copy.
 *
 * <p>An attention unit is a sequence that computes several tokens (a prefill chunk), or the group of
 * all decoding sequences whose contexts fill the same number of blocks: those attend in one batched
 * product over exactly their own blocks, so a step costs a few operator calls per distinct context
 * size rather than per sequence, and no context is padded to a longer one.
 *
 * @param data token ids, positions and KV slots of every token, the rows whose logits to return,
 *     then per unit its sequences' block tables (cut to the blocks each context fills) and, for a
 *     group, its token rows and context lengths
 * @param units six ints per unit: sequences n, first token row (one sequence) or offset of the rows
 *     in {@code data} (group), query length, offset of the block tables in {@code data}, blocks per
 *     sequence, context length (one sequence) or offset of the context lengths in {@code data} (group)
 * @param kvBlocksRead the blocks attention reads per layer: the sum over sequences of the blocks each
 *     context fills
 */
record StepInput(long[] data, long[] units, int numTokens, int numLogits, int kvBlocksRead) {

    static StepInput of(ForwardBatch batch, int blockSize) {
        int t = batch.numTokens();
        int r = batch.logitRows().length;
        LongStream.Builder data = LongStream.builder();
        for (int[] part : new int[][] {batch.tokenIds(), batch.positions(), batch.slotMapping(), batch.logitRows()}) {
            for (int v : part) {
                data.add(v);
            }
        }
        int[] firstRow = new int[batch.numSequences()];
        for (int s = 1; s < firstRow.length; s++) {
            firstRow[s] = firstRow[s - 1] + batch.queryLens()[s - 1];
        }
        int offset = 3 * t + r;
        List<long[]> units = new ArrayList<>();
        int blocksRead = 0;
        for (List<Integer> unit : units(batch, blockSize)) {
            int first = unit.get(0);
            int blocks = ForwardBatch.blocksRead(batch.contextLens()[first], blockSize);
            int tables = offset;
            for (int s : unit) {
                for (int b = 0; b < blocks; b++) {
                    data.add(batch.blockTables()[s][b]);
                }
            }
            offset += unit.size() * blocks;
            blocksRead += unit.size() * blocks;
            if (unit.size() == 1) {
                units.add(new long[] {1, firstRow[first], batch.queryLens()[first], tables, blocks,
                        batch.contextLens()[first]});
            } else {
                unit.forEach(s -> data.add(firstRow[s]));
                unit.forEach(s -> data.add(batch.contextLens()[s]));
                units.add(new long[] {unit.size(), offset, 1, tables, blocks, offset + unit.size()});
                offset += 2 * unit.size();
            }
        }
        return new StepInput(data.build().toArray(), units.stream().flatMapToLong(LongStream::of).toArray(), t, r,
                blocksRead);
    }

    /** Sequences computing several tokens alone; decoding ones grouped by the blocks they read. */
    private static List<List<Integer>> units(ForwardBatch batch, int blockSize) {
        List<List<Integer>> units = new ArrayList<>();
        Map<Integer, List<Integer>> decodingByBlocks = new LinkedHashMap<>();
        for (int s = 0; s < batch.numSequences(); s++) {
            if (batch.queryLens()[s] > 1) {
                units.add(List.of(s));
            } else {
                int blocks = ForwardBatch.blocksRead(batch.contextLens()[s], blockSize);
                decodingByBlocks.computeIfAbsent(blocks, b -> {
                    List<Integer> group = new ArrayList<>();
                    units.add(group);
                    return group;
                }).add(s);
            }
        }
        return units;
    }
}
