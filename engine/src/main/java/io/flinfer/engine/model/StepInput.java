package io.flinfer.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * One forward step as the model program takes it: one int64 array ({@code data}) that goes to the
 * device as one tensor, and two lists of ints that stay on the host, so the program reads lengths
 * without a device-to-host copy.
 *
 * <p>Attention runs per unit, over exactly the blocks the unit's contexts fill (no context is padded to
 * a longer one). A <em>chunk</em> is one sequence attending alone: a prompt chunk, or a decoding token
 * with no other of its context size. A <em>group</em> is the decoding sequences whose contexts fill the
 * same number of blocks: they attend in one batched product, so a step costs a few operator calls per
 * distinct context size rather than per sequence.
 *
 * @param data token ids, positions and KV slots of every token, the rows whose logits to return, then
 *     each chunk's block table and each group's block tables, token rows and context lengths
 * @param chunks five ints per chunk: first token row, query length, context length (cached + new),
 *     offset of its block table in {@code data}, blocks its context fills
 * @param groups five ints per group: sequences n, offset of their block tables in {@code data}, blocks
 *     per sequence, offset of their n token rows, offset of their n context lengths
 */
public record StepInput(long[] data, long[] chunks, long[] groups, int numTokens, int numLogits) {

    public static Builder builder(int blockSize) {
        return new Builder(blockSize);
    }

    /** Sequence after sequence, the tokens each computes in the step. */
    public static final class Builder {
        private final int blockSize;
        private final List<Sequence> sequences = new ArrayList<>();

        private Builder(int blockSize) {
            this.blockSize = blockSize;
        }

        /**
         * Adds a sequence computing {@code tokenIds} at positions {@code start} onward; its KV blocks
         * are {@code blockTable}, of which it reads those its context (start + tokens) fills.
         */
        public Builder add(int[] tokenIds, int start, int[] blockTable) {
            sequences.add(new Sequence(tokenIds, start, blockTable));
            return this;
        }

        /** The step, returning the logits after every sequence's last token. */
        public StepInput build() {
            return build(IntStream.range(0, sequences.size()).toArray());
        }

        /** The step, returning the logits after the last token of the sequences {@code logitsOf} lists, in its order. */
        public StepInput build(int[] logitsOf) {
            LongStream.Builder data = LongStream.builder();
            int[] firstRow = new int[sequences.size()];
            int t = 0;
            for (int s = 0; s < sequences.size(); s++) {
                firstRow[s] = t;
                t += sequences.get(s).tokenIds().length;
            }
            sequences.forEach(s -> IntStream.of(s.tokenIds()).forEach(data::add));
            sequences.forEach(s -> IntStream.range(s.start(), s.end()).forEach(data::add));
            sequences.forEach(s -> IntStream.range(s.start(), s.end()).forEach(p -> data.add(s.slot(p, blockSize))));
            IntStream.of(logitsOf).forEach(s -> data.add(firstRow[s] + sequences.get(s).tokenIds().length - 1));
            long offset = 3L * t + logitsOf.length;
            List<Long> chunks = new ArrayList<>();
            List<Long> groups = new ArrayList<>();
            for (List<Integer> unit : units()) {
                int blocks = sequences.get(unit.get(0)).blocksRead(blockSize);
                long tables = offset;
                unit.forEach(s -> IntStream.of(sequences.get(s).blockTable()).limit(blocks).forEach(data::add));
                offset += (long) unit.size() * blocks;
                if (unit.size() == 1) {
                    Sequence seq = sequences.get(unit.get(0));
                    chunks.addAll(List.of((long) firstRow[unit.get(0)], (long) seq.tokenIds().length, (long) seq.end(),
                            tables, (long) blocks));
                } else {
                    unit.forEach(s -> data.add(firstRow[s]));
                    unit.forEach(s -> data.add(sequences.get(s).end()));
                    groups.addAll(List.of((long) unit.size(), tables, (long) blocks, offset, offset + unit.size()));
                    offset += 2L * unit.size();
                }
            }
            return new StepInput(data.build().toArray(), longs(chunks), longs(groups), t, logitsOf.length);
        }

        /** Sequences computing several tokens alone; decoding ones grouped by the blocks they read. */
        private List<List<Integer>> units() {
            List<List<Integer>> units = new ArrayList<>();
            Map<Integer, List<Integer>> decodingByBlocks = new LinkedHashMap<>();
            for (int s = 0; s < sequences.size(); s++) {
                Sequence seq = sequences.get(s);
                if (seq.tokenIds().length > 1) {
                    units.add(List.of(s));
                } else {
                    decodingByBlocks.computeIfAbsent(seq.blocksRead(blockSize), b -> {
                        List<Integer> group = new ArrayList<>();
                        units.add(group);
                        return group;
                    }).add(s);
                }
            }
            return units;
        }

        private static long[] longs(List<Long> values) {
            return values.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private record Sequence(int[] tokenIds, int start, int[] blockTable) {
        int end() {
            return start + tokenIds.length;
        }

        int slot(int position, int blockSize) {
            return blockTable[position / blockSize] * blockSize + position % blockSize;
        }

        /** The blocks its context fills, never padded to another sequence's. */
        int blocksRead(int blockSize) {
            return (end() + blockSize - 1) / blockSize;
        }
    }
}
